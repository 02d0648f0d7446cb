import { Role } from '../../src/policies/role.enum';
import { startTestApp, TestApp } from '../utils/test-app';

/** Issue 15: GET /retention/presets lists the CNIL durations with their sources, in French and English. */
describe('Retention presets', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RETENTION_SCHEDULER: 'off' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists the CNIL référentiel durations, each with its source and both languages', async () => {
    const res = await t.as(Role.Dpo).get('/retention/presets').expect(200);
    const items = res.body.items as {
      code: string;
      label: { fr: string; en: string };
      retention: { duration: string; trigger: string };
      archive: { duration: string; legalReason: { fr: string; en: string } } | null;
      source: { text: string; article: string | null; date: string };
    }[];
    const byCode = new Map(items.map((p) => [p.code, p]));
    expect(byCode.get('cnil.prospects')?.retention).toEqual({ duration: 'P3Y', trigger: 'last_interaction' });
    expect(byCode.get('cnil.customers-prospecting')?.retention).toEqual({
      duration: 'P3Y',
      trigger: 'contract_end',
    });
    expect(byCode.get('cnil.contract-evidence')?.archive?.duration).toBe('P5Y');
    expect(byCode.get('cnil.contract-evidence')?.archive?.legalReason.fr).toContain('2224');
    expect(byCode.get('cnil.invoices-accounting')?.retention.duration).toBe('P10Y');
    expect(byCode.get('cnil.invoices-accounting')?.source.article).toBe('Article L123-22');
    expect(byCode.get('cnil.payment-card')?.archive?.duration).toBe('P13M');
    expect(byCode.get('cnil.recruitment')?.retention).toEqual({
      duration: 'P2Y',
      trigger: 'last_interaction',
    });
    expect(byCode.get('cnil.cookies-consent')?.retention.duration).toBe('P13M');
    expect(byCode.get('cnil.staff-payroll')?.retention.duration).toBe('P5Y');
    for (const p of items) {
      expect(p.label.fr).not.toBe('');
      expect(p.label.en).not.toBe('');
      expect(p.source.text).not.toBe('');
      expect(p.source.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    await t.as(Role.Auditor).get('/retention/presets').expect(200);
    await t.as(Role.Application).get('/retention/presets').expect(403);
  });
});
