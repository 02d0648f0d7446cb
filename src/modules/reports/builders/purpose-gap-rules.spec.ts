import type { PurposeView } from '../../purposes/purposes.service';
import { purposeView } from '../../../../test/factories/purpose-view.factory';
import { GapCode, GapSeverity } from './compliance-gap';
import { consentGap, purposeGaps } from './purpose-gap-rules';

describe('purposeGaps', () => {
  it('finds nothing in a complete active purpose', () => {
    expect(purposeGaps([purposeView()], 'en')).toEqual([]);
  });

  it('reports missing basis, retention and unstated legitimate interests, with a link to the purpose', () => {
    const gaps = purposeGaps(
      [
        purposeView({ code: 'a', legalBasis: null }),
        purposeView({ code: 'b', retention: null }),
        purposeView({
          code: 'c',
          legalBasis: 'legitimate_interests' as PurposeView['legalBasis'],
          legitimateInterest: ' ',
        }),
      ],
      'en',
    );
    expect(gaps.map((g) => [g.code, g.object.id, g.link, g.severity])).toEqual([
      [GapCode.PurposeWithoutLegalBasis, 'a', '/purposes/a', GapSeverity.High],
      [GapCode.PurposeWithoutRetention, 'b', '/purposes/b', GapSeverity.High],
      [GapCode.LegitimateInterestNotJustified, 'c', '/purposes/c', GapSeverity.High],
    ]);
  });

  it('reports transfers without a safeguard, once per purpose, and ignores drafts and retired purposes', () => {
    const transfers = [
      { country: 'US' },
      { country: 'IN', safeguard: '' },
      { country: 'CH', safeguard: 'adequacy' },
    ];
    const gaps = purposeGaps(
      [
        purposeView({ internationalTransfers: transfers }),
        purposeView({ code: 'draft', status: 'draft' as PurposeView['status'], legalBasis: null }),
      ],
      'fr',
    );
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({
      code: GapCode.TransferWithoutSafeguard,
      details: { countries: ['US', 'IN'] },
    });
    expect(gaps[0].message).toContain('sans garantie');
  });
});

describe('consentGap', () => {
  it('builds the consent gap with the decisions that used the purpose', () => {
    expect(consentGap(purposeView(), 7, 'en')).toMatchObject({
      code: GapCode.ConsentWithoutRecords,
      details: { decisions: 7 },
    });
  });
});
