import { pdfText } from '../../../../test/utils/documents';
import { PurposeStatus } from '../../purposes/purpose.model';
import type { PurposeView } from '../../purposes/purposes.service';
import { labelsFor } from '../render/labels';
import type { InventoryFieldView, InventorySource } from '../report-sources';
import { ReportFormat, ReportKind, type ReportLang } from '../report.model';
import type { ReportContext } from './report-context';
import { prepareRopa } from './ropa.report';

const context = (lang: ReportLang): ReportContext => ({
  kind: ReportKind.Ropa,
  format: ReportFormat.Pdf,
  lang,
  labels: labelsFor(lang),
  period: null,
  generatedAt: new Date('2026-12-01T00:00:00Z'),
  delimiter: ',',
  chainHead: null,
});

const purpose = {
  code: 'crm.contact',
  name: 'Customer contact',
  status: PurposeStatus.Active,
  version: 1,
  legalBasis: 'contract',
} as unknown as PurposeView;

const field = (column: string, dataCategory: string): InventoryFieldView => ({
  key: `crm.customers.${column}`,
  systemKey: 'crm',
  datasetKey: 'customers',
  column,
  dataCategory,
  special: false,
  purposeCodes: ['crm.contact'],
});

// One field in "contact", two in "identity".
const inventory: InventorySource = {
  listSystems: () => Promise.resolve([{ key: 'crm', name: 'CRM', scannable: true, lastScannedAt: null }]),
  iterateFields: async function* () {
    yield* [field('email', 'contact'), field('first_name', 'identity'), field('last_name', 'identity')];
  },
  listUnregisteredColumns: () => Promise.resolve([]),
};

async function ropaPdfText(lang: ReportLang): Promise<string> {
  const report = await prepareRopa(context(lang), [purpose], inventory);
  const chunks: Buffer[] = [];
  for await (const chunk of report.render(ReportFormat.Pdf)) chunks.push(chunk as Buffer);
  return pdfText(Buffer.concat(chunks));
}

describe('RoPA PDF', () => {
  it('counts the active purposes on the cover and pluralises field counts (fr)', async () => {
    const text = await ropaPdfText('fr');
    expect(text).toContain('Finalités actives: 1');
    expect(text).not.toMatch(/^Finalité: 1$/m);
    expect(text).toContain('contact: 1 champ\n');
    expect(text).toContain('identity: 2 champs');
    expect(text).not.toContain('1 champs');
  });

  it('counts the active purposes on the cover and pluralises field counts (en)', async () => {
    const text = await ropaPdfText('en');
    expect(text).toContain('Active purposes: 1');
    expect(text).toContain('contact: 1 field\n');
    expect(text).toContain('identity: 2 fields');
  });
});
