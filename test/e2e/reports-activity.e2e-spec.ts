import { parse } from 'csv-parse/sync';
import type { Client } from 'pg';
import type request from 'supertest';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { binary, pdfText } from '../utils/documents';
import { declareCrmCustomers } from '../utils/register-fixture';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp, testPrincipalName } from '../utils/test-app';

const FAX = 'crm.customers.fax';
const IBAN = 'crm.customers.iban';
const EMAIL = 'crm.customers.email';

/** Reports over the inventory, access decisions and retention, checked against SQL on the same database. */
describe('Compliance reports over inventory, access and retention (PostgreSQL)', () => {
  let t: TestApp;
  let db: Client;
  const dpo = () => t.as(Role.Dpo);
  const auditor = () => t.as(Role.Auditor);
  const download = (agent: request.Agent, path: string) => agent.get(path).buffer(true).parse(binary);
  const json = async (path: string) =>
    JSON.parse(((await download(auditor(), path).expect(200)).body as Buffer).toString('utf8'));
  const check = (body: Record<string, unknown>) =>
    t.as(Role.Application).post('/access/check').send(body).expect(200);

  beforeAll(async () => {
    t = await startTestApp();
    db = await connectTo(t.databaseUrl!);
    for (const [code, overrides] of [
      ['billing', { name: 'Invoicing', legalBasis: 'contract' }],
      ['marketing', { name: 'Direct marketing', legalBasis: 'consent' }],
      [
        'care',
        {
          name: 'Customer care',
          legalBasis: 'contract',
          dataCategories: ['health'],
          specialCategoryCondition: 'health_or_social_care',
        },
      ],
    ] as const) {
      await dpo()
        .post('/purposes')
        .send(purposeInput({ code, ...overrides }))
        .expect(201);
      await dpo().post(`/purposes/${code}/activate`).expect(200);
    }
    await declareCrmCustomers(t, {
      email: 'contact',
      name: 'identity',
      iban: 'financial',
      health: 'health',
      fax: 'contact',
    });
    await dpo()
      .post('/systems')
      .send({ code: 'warehouse', name: 'Data warehouse', kind: 'postgres' })
      .expect(201);
    const bind = (field: string, purposes: string[]) =>
      dpo()
        .put(`/fields/${field}/purposes`)
        .send({ bindings: purposes.map((purpose) => ({ purpose, actions: ['read'] })) })
        .expect(200);
    await bind(EMAIL, ['billing', 'marketing']);
    await bind('crm.customers.name', ['billing']);
    await bind(IBAN, ['billing']);
    await bind('crm.customers.health', ['care']);
    // The binding needed an art. 9 condition, and the API refuses to drop it while the binding stands
    // (422): a register edited behind the API's back (a DBA, a restored dump) is what leaves special
    // data without one, and the gaps report must still see it.
    await dpo().patch('/purposes/care').send({ specialCategoryCondition: null }).expect(422);
    await db.query(`UPDATE purpose SET special_category_condition = NULL WHERE code = 'care'`);
    await t.authoriseApplication(['billing', 'marketing']);

    for (let i = 0; i < 3; i++) await check({ purpose: 'billing', action: 'read', fields: [IBAN] });
    // Eleven denials in the period and none before it: a spike.
    for (let i = 0; i < 10; i++) await check({ purpose: 'billing', action: 'read', fields: [FAX] });
    await check({ purpose: 'marketing', action: 'read', fields: [EMAIL], subjectId: 'nobody' });
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('puts the systems, datasets and data categories of each purpose in the record of processing', async () => {
    const doc = await json('/reports/ropa');
    const billing = doc.entries.find((e: { code: string }) => e.code === 'billing');
    const fields = await db.query<{ data_category: string; n: number }>(
      `SELECT f.data_category, count(*)::int AS n FROM field_purpose b JOIN personal_field f ON f.id = b.field_id
        WHERE b.purpose_code = 'billing' GROUP BY 1 ORDER BY f.data_category COLLATE "C"`,
    );
    expect(billing.fieldCount).toBe(fields.rows.reduce((s, r) => s + r.n, 0));
    expect(billing.systems).toEqual([
      { key: 'crm', name: 'Customer CRM', datasets: ['public.customers'], processor: null },
    ]);
    expect(
      billing.inventoryCategories.map((c: { category: string; fieldCount: number }) => [
        c.category,
        c.fieldCount,
      ]),
    ).toEqual(fields.rows.map((r) => [r.data_category, r.n]));
    const care = doc.entries.find((e: { code: string }) => e.code === 'care');
    expect(care.inventoryCategories).toEqual([
      { category: 'health', fieldCount: 1, special: true, systems: ['crm'] },
    ]);

    // CSV: one row per purpose × category, declared or found in the inventory.
    const expected = await db.query<{ code: string; category: string }>(
      `SELECT code, category FROM (
         SELECT code, jsonb_array_elements_text(data_categories) AS category FROM purpose WHERE status = 'active'
         UNION
         SELECT p.code, f.data_category FROM purpose p
           JOIN field_purpose b ON b.purpose_code = p.code JOIN personal_field f ON f.id = b.field_id
          WHERE p.status = 'active') x
        ORDER BY code COLLATE "C", category COLLATE "C"`,
    );
    const csv = await download(auditor(), '/reports/ropa?format=csv').expect(200);
    const rows = parse<Record<string, string>>(csv.body as Buffer, { bom: true, columns: true });
    expect(rows.map((r) => [r['Code'], r['Data category']])).toEqual(
      expected.rows.map((r) => [r.code, r.category]),
    );
    expect(rows.find((r) => r['Code'] === 'billing' && r['Data category'] === 'financial')).toMatchObject({
      Systems: 'crm',
      Fields: '1',
      'Special category': 'no',
    });
  });

  it('lists inventory gaps matching the database, and a consent gap that disappears once consent is recorded', async () => {
    const doc = await json('/reports/gaps');
    const ids = (code: string) =>
      doc.gaps
        .filter((g: { code: string }) => g.code === code)
        .map((g: { object: { id: string } }) => g.object.id)
        .sort();

    const unbound = await db.query<{ key: string }>(
      `SELECT f.key FROM personal_field f WHERE NOT EXISTS (
         SELECT 1 FROM field_purpose b JOIN purpose p ON p.code = b.purpose_code
          WHERE b.field_id = f.id AND p.status = 'active') ORDER BY f.key COLLATE "C"`,
    );
    expect(ids('FIELD_WITHOUT_ACTIVE_PURPOSE')).toEqual(unbound.rows.map((r) => r.key));
    expect(ids('FIELD_WITHOUT_ACTIVE_PURPOSE')).toEqual([FAX]);

    const special = await db.query<{ code: string }>(
      `SELECT p.code FROM personal_field f JOIN field_purpose b ON b.field_id = f.id JOIN purpose p ON p.code = b.purpose_code
        WHERE f.special AND p.status = 'active' AND p.special_category_condition IS NULL ORDER BY p.code COLLATE "C"`,
    );
    expect(ids('SPECIAL_CATEGORY_WITHOUT_CONDITION')).toEqual(special.rows.map((r) => r.code));
    expect(ids('SPECIAL_CATEGORY_WITHOUT_CONDITION')).toEqual(['care']);
    // A database never scanned; a manual system is never expected to be.
    expect(ids('SYSTEM_NEVER_SCANNED')).toEqual(['warehouse']);
    expect(ids('CONSENT_WITHOUT_RECORDS')).toEqual(['marketing']);
    expect(doc.unavailableChecks).toEqual([]);

    const fieldGap = doc.gaps.find((g: { code: string }) => g.code === 'FIELD_WITHOUT_ACTIVE_PURPOSE');
    expect((await t.as(Role.Dpo).get(fieldGap.link).expect(200)).body.key).toBe(FAX);

    await t
      .as(Role.Application)
      .post('/subjects/customer-1/consents')
      .send({ purpose: 'marketing', status: 'granted', source: 'shop' })
      .expect(201);
    await dpo()
      .put(`/fields/${FAX}/purposes`)
      .send({ bindings: [{ purpose: 'billing', actions: ['read'] }] })
      .expect(200);
    const fixed = await json('/reports/gaps');
    const codes = fixed.gaps.map((g: { code: string }) => g.code);
    expect(codes).not.toContain('CONSENT_WITHOUT_RECORDS');
    expect(codes).not.toContain('FIELD_WITHOUT_ACTIVE_PURPOSE');
    expect(fixed.summary.total).toBe(fixed.gaps.length);
  });

  it('counts access decisions by application × purpose × outcome exactly as the trail holds them', async () => {
    // A second application with the very same display name: only its id tells the two apart.
    const twin = await t
      .as(Role.Admin)
      .post('/principals')
      .send({
        name: testPrincipalName(Role.Application),
        roles: [Role.Application],
        purposeCodes: ['billing'],
      })
      .expect(201);
    const twinId = twin.body.id as string;
    for (let i = 0; i < 2; i++) {
      await t
        .withKey(twin.body.key as string)
        .post('/access/check')
        .send({ purpose: 'billing', action: 'read', fields: [IBAN] })
        .expect(200);
    }

    const doc = await json('/reports/access');
    const { from, to } = doc.period;
    const sql = await db.query<{
      actor_id: string;
      actor_name: string;
      purpose_code: string;
      decision: string;
      n: number;
    }>(
      `SELECT actor_id, max(actor_name) AS actor_name, purpose_code, payload->>'decision' AS decision,
              count(*)::int AS n
         FROM audit_event WHERE type = 'access.decision' AND occurred_at >= $1 AND occurred_at < $2
        GROUP BY 1, 3, 4`,
      [from, to],
    );
    // The report's order: application name, then id, purpose, outcome.
    const expected = sql.rows.sort(
      (a, b) =>
        a.actor_name.localeCompare(b.actor_name) ||
        a.actor_id.localeCompare(b.actor_id) ||
        a.purpose_code.localeCompare(b.purpose_code) ||
        a.decision.localeCompare(b.decision),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(new Set(expected.map((r) => r.actor_name)).size).toBe(1);
    expect(new Set(expected.map((r) => r.actor_id))).toEqual(
      new Set([t.principalIds[Role.Application], twinId]),
    );
    expect(
      doc.rows.map(
        (r: {
          applicationId: string;
          application: string;
          purposeCode: string;
          outcome: string;
          count: number;
        }) => [r.applicationId, r.application, r.purposeCode, r.outcome, r.count],
      ),
    ).toEqual(expected.map((r) => [r.actor_id, r.actor_name, r.purpose_code, r.decision, r.n]));
    expect(doc.totals.decisions).toBe(expected.reduce((s, r) => s + r.n, 0));

    const denials = expected
      .filter((r) => r.decision === 'deny' && r.actor_id === t.principalIds[Role.Application])
      .reduce((s, r) => s + r.n, 0);
    expect(doc.unusualPatterns).toEqual([
      expect.objectContaining({
        applicationId: t.principalIds[Role.Application],
        denials,
        previousDenials: 0,
        purposes: ['billing', 'marketing'],
      }),
    ]);
    expect(doc.topDenialReasons[0]).toEqual({ reason: 'FIELD_NOT_BOUND_TO_PURPOSE', count: 10 });

    const csv = await download(auditor(), '/reports/access?format=csv&lang=fr').expect(200);
    const rows = parse<Record<string, string>>(csv.body as Buffer, {
      bom: true,
      delimiter: ';',
      columns: true,
    });
    expect(Object.keys(rows[0])).toEqual([
      'Identifiant de l’application',
      'Application',
      'Finalité',
      'Résultat',
      'Nombre',
    ]);
    expect(
      rows.map((r) => [
        r['Identifiant de l’application'],
        r['Application'],
        r['Finalité'],
        r['Résultat'],
        Number(r['Nombre']),
      ]),
    ).toEqual(expected.map((r) => [r.actor_id, r.actor_name, r.purpose_code, r.decision, r.n]));
    // Same name, two applications: the id column is what keeps their rows apart.
    const billingAllows = rows.filter((r) => r['Finalité'] === 'billing' && r['Résultat'] === 'allow');
    expect(new Set(billingAllows.map((r) => r['Application'])).size).toBe(1);
    expect(new Set(billingAllows.map((r) => r['Identifiant de l’application'])).size).toBe(2);

    const past = await json('/reports/access?from=2020-01-01&to=2020-01-31');
    expect(past.totals).toEqual({ decisions: 0, byOutcome: {} });
    expect(past.period).toEqual({ from: '2020-01-01T00:00:00.000Z', to: '2020-02-01T00:00:00.000Z' });
  });

  it('reports retention runs and the datasets they cover in JSON, CSV and PDF', async () => {
    const doc = await json('/reports/retention');
    const runs = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM retention_run WHERE created_at >= $1 AND created_at < $2`,
      [doc.period.from, doc.period.to],
    );
    expect(doc.runs).toBe(runs.rows[0].n);
    const datasets = await db.query<{ code: string; name: string }>(
      `SELECT s.code, d.name FROM inventory_dataset d JOIN inventory_system s ON s.id = d.system_id ORDER BY 1, 2`,
    );
    expect(
      doc.rows.map((r: { systemKey: string; datasetKey: string }) => [r.systemKey, r.datasetKey]),
    ).toEqual(datasets.rows.map((r) => [r.code, r.name]));
    expect(doc.overdue.rows[0]).toMatchObject({
      systemKey: 'crm',
      count: 0,
      note: 'not measurable (manual)',
    });

    const csv = await download(auditor(), '/reports/retention?format=csv').expect(200);
    const rows = parse(csv.body as Buffer, { bom: true });
    expect(rows[0]).toEqual([
      'System',
      'Dataset',
      'Deleted',
      'Anonymised',
      'Held',
      'Failures',
      'Overdue rows now',
    ]);
    expect(rows).toHaveLength(datasets.rows.length + 1);

    const pdf = await pdfText((await download(auditor(), '/reports/retention?format=pdf').expect(200)).body);
    expect(pdf).toContain('Retention report');
    expect(pdf).toContain('public.customers');
    const head = (await db.query(`SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1 OFFSET 1`)).rows[0];
    expect(pdf.replace(/\s+/g, '')).toContain(head.hash);
  });
});
