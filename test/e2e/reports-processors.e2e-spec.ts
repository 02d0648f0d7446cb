import ExcelJS from 'exceljs';
import type { Client } from 'pg';
import { parse as parseYaml } from 'yaml';
import { Role } from '../../src/policies/role.enum';
import { datasetInput, systemInput } from '../factories/inventory.factory';
import { purposeInput } from '../factories/purpose.factory';
import { binary, pdfText } from '../utils/documents';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

const MAILER = {
  code: 'mailer',
  name: 'Mailer SAS',
  contact: 'dpo@mailer.example',
  country: 'FR',
  service: 'envoi de la lettre d’information',
  agreement: { signedOn: '2019-01-15', reference: 'DPA-2019-004', reviewOn: '2020-01-15' },
  processingLocations: [
    { country: 'FR' },
    { country: 'US', mechanism: 'standard_contractual_clauses', reference: 'CCT 2021/914 module 2' },
  ],
};
const ANALYTICS = {
  code: 'analytics',
  name: 'Analytique Élan Inc.',
  country: 'US',
  service: 'mesure d’audience',
  agreement: { reference: 'draft' },
  processingLocations: [{ country: 'US' }],
  subProcessors: [{ name: 'Hébergeur Nippon KK', country: 'JP', service: 'hébergement' }],
};
const { code: _m, ...MAILER_DECLARATION } = MAILER;
const { code: _a, ...ANALYTICS_DECLARATION } = ANALYTICS;

/** Reads a workbook back (ExcelJS types a Node Buffer as another kind of Buffer; JSZip reads either). */
async function loadWorkbook(body: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(body as unknown as ArrayBuffer);
  return workbook;
}

const NEW_CODES = [
  'PROCESSOR_AGREEMENT_MISSING',
  'TRANSFER_WITHOUT_MECHANISM',
  'PROCESSOR_AGREEMENT_REVIEW_OVERDUE',
  'DECLARED_TRANSFERS_MISMATCH',
];

/**
 * Processors and transfers from the inventory to the register: systems operated by processors,
 * purposes naming processors among their recipients, transfers outside the EEA derived per
 * purpose, the four new gaps (each appears and disappears when fixed), the register document and
 * the workbook / PDF in the CNIL model's layout.
 */
describe('Processors, derived transfers and the CNIL layout (PostgreSQL)', () => {
  let t: TestApp;
  let db: Client;
  const dpo = () => t.as(Role.Dpo);
  const download = (path: string) => t.as(Role.Auditor).get(path).buffer(true).parse(binary);
  const json = async (path: string) =>
    JSON.parse(((await download(path).expect(200)).body as Buffer).toString('utf8'));
  const newGaps = async () =>
    ((await json('/reports/gaps')).gaps as { code: string; object: { id: string }; link: string }[])
      .filter((g) => NEW_CODES.includes(g.code))
      .map((g) => `${g.code} ${g.object.id} ${g.link}`)
      .sort();

  beforeAll(async () => {
    t = await startTestApp();
    db = await connectTo(t.databaseUrl!);
    await dpo()
      .put('/register/organisation')
      .send({
        name: 'Société Générale d’Études',
        address: '12 rue de l’Église\n75002 Paris',
        contact: 'contact@sge.example',
        dpo: { name: 'Hélène Durand', contact: 'dpo@sge.example' },
      })
      .expect(200);
    await dpo().post('/processors').send(MAILER).expect(201);
    await dpo().post('/processors').send(ANALYTICS).expect(201);
    await dpo()
      .post('/systems')
      .send(systemInput({ code: 'crm', processorCode: 'mailer' }))
      .expect(201);
    await dpo()
      .post('/systems')
      .send(systemInput({ code: 'web', name: 'Site web', processorCode: 'analytics' }))
      .expect(201);
    await dpo()
      .post('/systems')
      .send(systemInput({ code: 'erp', name: 'ERP interne' }))
      .expect(201);
    for (const system of ['crm', 'web', 'erp']) {
      await dpo().post(`/systems/${system}/datasets`).send(datasetInput()).expect(201);
    }
    await dpo()
      .post('/purposes')
      .send(
        purposeInput({
          code: 'lettre',
          name: 'Lettre d’information',
          recipients: ['service marketing'],
          recipientProcessors: ['mailer'],
          internationalTransfers: [{ country: 'US', recipient: 'Mailer SAS', safeguard: 'CCT' }],
        }),
      )
      .expect(201);
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code: 'audience', name: 'Mesure d’audience', legalBasis: 'consent' }))
      .expect(201);
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code: 'paie', name: 'Paie', legalBasis: 'legal_obligation' }))
      .expect(201);
    for (const code of ['lettre', 'audience', 'paie'])
      await dpo().post(`/purposes/${code}/activate`).expect(200);
    const fields: [string, string, string][] = [
      ['crm', 'email', 'lettre'],
      ['web', 'visitor_id', 'audience'],
      ['erp', 'salary', 'paie'],
    ];
    for (const [system, column, purpose] of fields) {
      await dpo()
        .post('/fields')
        .send({ system, dataset: 'public.customers', column, dataCategory: 'contact' })
        .expect(201);
      await dpo()
        .put(`/fields/${system}.customers.${column}/purposes`)
        .send({ bindings: [{ purpose, actions: ['read'] }] })
        .expect(200);
    }
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('refuses a system or a purpose naming an unknown processor (422, nothing written)', async () => {
    const sys = await dpo()
      .post('/systems')
      .send(systemInput({ code: 'ghosted', processorCode: 'ghost' }))
      .expect(422);
    expect(sys.body).toMatchObject({
      error: 'PROCESSOR_UNKNOWN',
      details: [{ property: 'processorCode', message: 'unknown processor "ghost"' }],
    });
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code: 'ghosted', recipientProcessors: ['ghost'] }))
      .expect(422);
    await dpo().patch('/systems/erp').send({ processorCode: 'ghost' }).expect(422);
    const rows = await db.query(
      `SELECT code FROM inventory_system WHERE code = 'ghosted' UNION ALL SELECT code FROM purpose WHERE code = 'ghosted'`,
    );
    expect(rows.rows).toEqual([]);
    expect((await dpo().get('/systems/crm').expect(200)).body.processorCode).toBe('mailer');
  });

  it('derives each purpose’s transfers outside the EEA from its systems’ and recipients’ processors', async () => {
    const ropa = await json('/reports/ropa');
    expect(ropa.processorsAvailable).toBe(true);
    const entry = (code: string) => ropa.entries.find((e: { code: string }) => e.code === code);
    expect(entry('lettre').derivedTransfers).toEqual([
      {
        country: 'US',
        processor: 'mailer',
        processorName: 'Mailer SAS',
        subProcessor: null,
        mechanism: 'standard_contractual_clauses',
        reference: 'CCT 2021/914 module 2',
        systems: ['crm'],
      },
    ]);
    expect(entry('lettre').processorsUsed.map((p: { code: string }) => p.code)).toEqual(['mailer']);
    // Japan has a full adequacy decision; the United States only a partial one (never assumed).
    expect(
      entry('audience').derivedTransfers.map((t: { country: string; mechanism: string | null }) => [
        t.country,
        t.mechanism,
      ]),
    ).toEqual([
      ['JP', 'adequacy_decision'],
      ['US', null],
    ]);
    expect(entry('paie').derivedTransfers).toEqual([]);
    expect(entry('paie').systems).toEqual([
      { key: 'erp', name: 'ERP interne', datasets: ['public.customers'], processor: null },
    ]);
  });

  it('reports each new gap, and each disappears once fixed', async () => {
    expect(await newGaps()).toEqual([
      'DECLARED_TRANSFERS_MISMATCH audience /purposes/audience',
      'PROCESSOR_AGREEMENT_MISSING web /processors/analytics',
      'PROCESSOR_AGREEMENT_REVIEW_OVERDUE mailer /processors/mailer',
      'TRANSFER_WITHOUT_MECHANISM analytics /processors/analytics',
    ]);
    const fr = await json('/reports/gaps?lang=fr');
    const mismatch = fr.gaps.find((g: { code: string }) => g.code === 'DECLARED_TRANSFERS_MISMATCH');
    expect(mismatch).toMatchObject({
      severity: 'medium',
      details: { undeclared: ['JP', 'US'], unfounded: [] },
    });
    expect(mismatch.message).toContain('non déclarés JP, US');

    // The agreement is signed: the system's gap goes.
    await dpo()
      .put('/processors/analytics')
      .send({ ...ANALYTICS_DECLARATION, agreement: { signedOn: '2026-02-01', reference: 'DPA-26' } })
      .expect(200);
    expect(await newGaps()).not.toContain('PROCESSOR_AGREEMENT_MISSING web /processors/analytics');
    expect(await newGaps()).toContain('TRANSFER_WITHOUT_MECHANISM analytics /processors/analytics');

    // A mechanism for the United States: no transfer is left uncovered.
    await dpo()
      .put('/processors/analytics')
      .send({
        ...ANALYTICS_DECLARATION,
        agreement: { signedOn: '2026-02-01', reference: 'DPA-26' },
        processingLocations: [
          { country: 'US', mechanism: 'adequacy_decision', reference: 'DPF certification' },
        ],
      })
      .expect(200);
    // The review is done: its date moves on.
    await dpo()
      .put('/processors/mailer')
      .send({ ...MAILER_DECLARATION, agreement: { ...MAILER.agreement, reviewOn: '2099-01-15' } })
      .expect(200);
    expect(await newGaps()).toEqual(['DECLARED_TRANSFERS_MISMATCH audience /purposes/audience']);

    // The purpose declares what its processors do.
    await dpo()
      .patch('/purposes/audience')
      .send({
        internationalTransfers: [
          { country: 'JP', safeguard: 'décision d’adéquation' },
          { country: 'US', safeguard: 'DPF' },
        ],
      })
      .expect(200);
    expect(await newGaps()).toEqual([]);

    // A declared transfer no processor makes is a disagreement too.
    await dpo()
      .patch('/purposes/paie')
      .send({ internationalTransfers: [{ country: 'CN', safeguard: 'CCT' }] })
      .expect(200);
    expect(await newGaps()).toEqual(['DECLARED_TRANSFERS_MISMATCH paie /purposes/paie']);
    await dpo().patch('/purposes/paie').send({ internationalTransfers: null }).expect(200);
    expect(await newGaps()).toEqual([]);
  });

  it('exports the workbook in the CNIL layout: organisation first, one sheet per active purpose, accents kept', async () => {
    // French by default.
    const res = await download('/reports/ropa?format=xlsx').expect(200);
    expect(res.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(res.headers['content-disposition']).toMatch(/filename="finalite-ropa-\d{4}-\d{2}-\d{2}\.xlsx"/);
    const workbook = await loadWorkbook(res.body as Buffer);
    const active = await db.query<{ code: string }>(
      `SELECT code FROM purpose WHERE status = 'active' ORDER BY code`,
    );
    expect(workbook.worksheets.map((s) => s.name)).toEqual([
      'Organisme',
      ...active.rows.map((r, i) => `${i + 1} ${r.code}`),
    ]);
    const cells = (name: string) => {
      const out: string[][] = [];
      workbook.getWorksheet(name)!.eachRow((row) => {
        out.push(
          // The writer writes text and numbers only: every cell reads back as a string or a number.
          (row.values as (string | number | null | undefined)[])
            .slice(1)
            .map((v) => (v === null || v === undefined ? '' : String(v))),
        );
      });
      return out;
    };
    const first = cells('Organisme');
    expect(first).toContainEqual(['Responsable du traitement', 'Société Générale d’Études']);
    expect(first).toContainEqual([
      'Délégué à la protection des données (DPO)',
      'Hélène Durand — dpo@sge.example',
    ]);
    expect(first.map((r) => r[1])).toEqual(expect.arrayContaining(['audience', 'lettre', 'paie']));

    const sheet = cells('2 lettre');
    const titles = sheet.map((r) => r[0]);
    const order = [
      'Acteurs',
      'Finalité(s) du traitement effectué',
      'Catégories de personnes concernées',
      'Catégories de données personnelles',
      'Destinataires',
      'Transferts de données hors UE',
      'Durées de conservation',
      'Mesures de sécurité',
    ].map((title) => titles.indexOf(title));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(sheet).toContainEqual(['Finalité principale', 'Lettre d’information']);
    expect(sheet).toContainEqual([
      'Sous-traitant',
      'Mailer SAS (mailer) — FR — envoi de la lettre d’information',
      'Contrat de sous-traitance signé le 2019-01-15 (DPA-2019-004), à revoir le 2099-01-15',
    ]);
    expect(sheet).toContainEqual(['Service interne ou tiers (déclaré)', 'service marketing']);
    expect(sheet).toContainEqual([
      'US',
      'Mailer SAS',
      'Clauses contractuelles types',
      'CCT 2021/914 module 2',
      'déduit des sous-traitants',
    ]);
    expect(sheet).toContainEqual(['contact', 'non', '1', 'crm']);
    expect(sheet).toContainEqual([
      'contact',
      '3 ans à compter de la dernière interaction',
      'pas d’archivage',
    ]);

    const en = await loadWorkbook(
      (await download('/reports/ropa?format=xlsx&lang=en').expect(200)).body as Buffer,
    );
    expect(en.worksheets[0].name).toBe('Organisation');

    const recorded = await db.query(
      `SELECT payload FROM audit_event WHERE type = 'report.exported' ORDER BY seq DESC LIMIT 1`,
    );
    expect(recorded.rows[0].payload).toMatchObject({ format: 'xlsx', lang: 'en' });
  });

  it('prints the French PDF in the CNIL layout with embedded fonts, a cover and a table of contents', async () => {
    const res = await download('/reports/ropa?format=pdf&layout=cnil').expect(200);
    const body = res.body as Buffer;
    const raw = body.toString('latin1');
    expect(raw).toMatch(/\/FontFile2/); // an embedded TrueType font
    expect(raw).toMatch(/DejaVuSans/);
    expect(raw).not.toMatch(/\/BaseFont \/Helvetica/);
    const text = await pdfText(body);
    expect(text).toContain('Registre des activités de traitement');
    expect(text).toContain('Société Générale d’Études');
    expect(text).toContain('Sommaire');
    expect(text).toContain('Transferts de données hors UE');
    // Table cells wrap: compare the text with its line breaks as spaces.
    expect(text.replace(/\s+/g, ' ')).toContain('US Mailer SAS Clauses contractuelles types CCT 2021/914');
    await t.as(Role.Auditor).get('/reports/gaps?format=pdf&layout=cnil').expect(400);
  });

  it('carries processors in the register document and its import, with their history', async () => {
    const yaml = (await dpo().get('/register/export').expect(200)).text;
    const doc = parseYaml(yaml);
    expect(doc.processors.map((p: { code: string }) => p.code)).toEqual(['analytics', 'mailer']);
    expect(doc.systems.find((s: { code: string }) => s.code === 'crm').processorCode).toBe('mailer');
    expect(doc.purposes.find((p: { code: string }) => p.code === 'lettre').recipientProcessors).toEqual([
      'mailer',
    ]);

    // Re-importing the export changes nothing.
    const same = await dpo()
      .post('/register/import')
      .set('Content-Type', 'application/yaml')
      .send(yaml)
      .expect(200);
    expect(same.body.applied).toBe(false);

    // A document naming a processor it does not hold is refused as a whole.
    const broken = {
      ...doc,
      processors: doc.processors.filter((p: { code: string }) => p.code !== 'mailer'),
    };
    const refused = await dpo().post('/register/import').send(broken).expect(422);
    expect(refused.body.details.map((d: { path: string }) => d.path)).toEqual(
      expect.arrayContaining(['systems[crm].processorCode', 'purposes[lettre].recipientProcessors[0]']),
    );

    // A new processor through the document: created, in the diff, with its history.
    const next = {
      ...doc,
      processors: [...doc.processors, { code: 'printer', name: 'Imprimerie Générale', country: 'BE' }],
    };
    const applied = await dpo().post('/register/import').send(next).expect(200);
    expect(applied.body.diff.processors).toEqual({ created: ['printer'], changed: [], retired: [] });
    const history = await t.as(Role.Auditor).get('/processors/printer/history').expect(200);
    expect(history.body.versions.map((v: { change: string }) => v.change)).toEqual(['created']);

    // And removed by the next document that leaves it out.
    const removed = await dpo().post('/register/import').send(doc).expect(200);
    expect(removed.body.diff.processors.retired).toEqual(['printer']);
    await dpo().get('/processors/printer').expect(404);
    const after = await t.as(Role.Auditor).get('/processors/printer/history').expect(200);
    expect(after.body.versions.map((v: { change: string }) => v.change)).toEqual(['created', 'deleted']);
  });
});
