import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
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

  describe('a purpose drafted from a preset', () => {
    const dpo = () => t.as(Role.Dpo);

    it('takes the preset retention when the request gives none, and records the preset', async () => {
      const input = purposeInput({ code: 'prospection.leads', presetCode: 'cnil.prospects' });
      delete input.retention;
      const res = await dpo().post('/purposes').send(input).expect(201);
      expect(res.body).toMatchObject({
        code: 'prospection.leads',
        presetCode: 'cnil.prospects',
        retention: { duration: 'P3Y', trigger: 'last_interaction' },
      });
      expect((await dpo().get('/purposes/prospection.leads').expect(200)).body.presetCode).toBe(
        'cnil.prospects',
      );
      const history = await dpo().get('/purposes/prospection.leads/history').expect(200);
      const created = history.body.versions.find((v: { change: string }) => v.change === 'created');
      expect(created.snapshot).toMatchObject({
        presetCode: 'cnil.prospects',
        retention: { duration: 'P3Y' },
      });
      expect(created.changedFields).toEqual(expect.arrayContaining(['presetCode', 'retention']));
      // The preset stays recorded through later changes.
      await dpo()
        .patch('/purposes/prospection.leads')
        .send({ description: 'Leads from the fair' })
        .expect(200);
      expect((await dpo().get('/purposes/prospection.leads').expect(200)).body.presetCode).toBe(
        'cnil.prospects',
      );
    });

    it('drafts the intermediate archive phase too when the preset has one, with its legal reason', async () => {
      const input = purposeInput({ code: 'contracts.evidence', presetCode: 'cnil.contract-evidence' });
      delete input.retention;
      const res = await dpo().post('/purposes').send(input).expect(201);
      expect(res.body.retention.archive).toEqual({
        duration: 'P5Y',
        legalReason: expect.stringMatching(/prescription|2224/i),
      });
    });

    it('keeps explicit request values over the preset', async () => {
      const res = await dpo()
        .post('/purposes')
        .send(
          purposeInput({
            code: 'billing.invoices',
            legalBasis: 'legal_obligation',
            presetCode: 'cnil.invoices-accounting',
            retention: { duration: 'P11Y', trigger: 'collection' },
          }),
        )
        .expect(201);
      expect(res.body).toMatchObject({
        presetCode: 'cnil.invoices-accounting',
        retention: { duration: 'P11Y', trigger: 'collection' },
      });
    });

    it('refuses an unknown preset with a structured 400, and a purpose without one has presetCode null', async () => {
      const res = await dpo()
        .post('/purposes')
        .send(purposeInput({ presetCode: 'cnil.no-such-preset' }))
        .expect(400);
      expect(res.body.error).toBe('PURPOSE_PRESET_UNKNOWN');
      expect(res.body.details).toMatchObject({
        presetCode: 'cnil.no-such-preset',
        knownPresetCodes: expect.arrayContaining(['cnil.prospects']),
      });
      const plain = await dpo().post('/purposes').send(purposeInput()).expect(201);
      expect(plain.body.presetCode).toBeNull();
    });
  });
});
