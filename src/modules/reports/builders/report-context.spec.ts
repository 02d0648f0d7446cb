import { labelsFor } from '../render/labels';
import { ReportFormat, ReportKind } from '../report.model';
import { chainHeadText, ReportContext } from './report-context';

const context = (chainHead: ReportContext['chainHead'], lang: 'en' | 'fr' = 'en'): ReportContext => ({
  kind: ReportKind.Ropa,
  format: ReportFormat.Pdf,
  lang,
  labels: labelsFor(lang),
  period: null,
  generatedAt: new Date('2026-12-01T00:00:00Z'),
  delimiter: ',',
  chainHead,
});

describe('chainHeadText', () => {
  it('names a verified head as it is', () => {
    expect(chainHeadText(context({ seq: 7, hash: 'ab12', verified: true }))).toBe('#7 ab12');
  });

  it('never presents a head as sound when the chain does not verify', () => {
    expect(chainHeadText(context({ seq: 7, hash: 'ab12', verified: false }))).toMatch(
      /^#7 ab12 \(NOT VERIFIED/,
    );
    expect(chainHeadText(context({ seq: 7, hash: 'ab12', verified: false }, 'fr'))).toMatch(/NON VÉRIFIÉE/);
  });

  it('says when the trail is empty', () => {
    expect(chainHeadText(context(null))).toBe('empty trail');
  });
});
