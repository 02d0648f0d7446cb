import { parse } from 'csv-parse/sync';
import type { Client } from 'pg';
import { DataSource } from 'typeorm';
import { CreateControllerOrganisation1795400700000 } from '../../migrations/1795400700000-CreateControllerOrganisation';
import { AddAuditEventTypeOccurredAtIndex1795400710000 } from '../../migrations/1795400710000-AddAuditEventTypeOccurredAtIndex';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { binary, pdfText } from '../utils/documents';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

const ORGANISATION = {
  name: 'ACME Corp.',
  address: '1 Market Street\nSan Francisco, CA 94105\nUSA',
  contact: 'privacy@acme.example',
  establishedInEu: false,
};
const DPO = { name: 'Claire Martin', contact: 'dpo@acme.example' };
const REPRESENTATIVE = { name: 'ACME Europe SARL', contact: 'eu-rep@acme.example' };

/**
 * The organisation-level part of the record of processing (art. 30(1)(a), art. 27): declared by
 * the DPO through PUT /register/organisation, audited with before/after, printed on the record of
 * processing in every format, and reported as a gap while incomplete.
 */
describe('Controller organisation on the record of processing (PostgreSQL)', () => {
  let t: TestApp;
  let db: Client;
  const dpo = () => t.as(Role.Dpo);
  const download = (path: string) => t.as(Role.Auditor).get(path).buffer(true).parse(binary);
  const json = async (path: string) =>
    JSON.parse(((await download(path).expect(200)).body as Buffer).toString('utf8'));
  const gapCodes = async () =>
    ((await json('/reports/gaps')).gaps as { code: string; link: string }[]).filter((g) =>
      ['ORGANISATION_NOT_DECLARED', 'DPO_CONTACT_MISSING', 'EU_REPRESENTATIVE_MISSING'].includes(g.code),
    );
  const events = async () =>
    (
      await db.query<{
        actor_id: string;
        target_type: string;
        target_id: string;
        payload: Record<string, unknown>;
      }>(
        `SELECT actor_id, target_type, target_id, payload FROM audit_event WHERE type = 'organisation.updated' ORDER BY seq`,
      )
    ).rows;

  beforeAll(async () => {
    t = await startTestApp();
    db = await connectTo(t.databaseUrl!);
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code: 'billing', name: 'Invoicing', legalBasis: 'contract' }))
      .expect(201);
    await dpo().post('/purposes/billing/activate').expect(200);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('is missing at first: 404, a gap linking to the route that fixes it, "not declared" on the record', async () => {
    expect((await t.as(Role.Auditor).get('/register/organisation').expect(404)).body.error).toBe(
      'ORGANISATION_NOT_DECLARED',
    );
    await dpo().get('/register/organisation').expect(404);
    await t.as(Role.Application).get('/register/organisation').expect(403);
    await t.as(Role.Admin).get('/register/organisation').expect(403);

    const gaps = await gapCodes();
    expect(gaps).toEqual([
      expect.objectContaining({
        code: 'ORGANISATION_NOT_DECLARED',
        severity: 'medium',
        link: '/register/organisation',
      }),
    ]);
    const ropa = await json('/reports/ropa');
    expect(ropa).toMatchObject({ organisationAvailable: true, organisation: null });
    const pdf = await pdfText((await download('/reports/ropa?format=pdf').expect(200)).body as Buffer);
    expect(pdf).toMatch(/Controller \(organisation\):\s*not declared/);
  });

  it('refuses invalid declarations and other roles, writing nothing', async () => {
    const bad: Record<string, unknown>[] = [
      {},
      { ...ORGANISATION, name: '' },
      { ...ORGANISATION, name: ' ACME' },
      { ...ORGANISATION, contact: 'a\u0000b' },
      { ...ORGANISATION, address: 42 },
      { ...ORGANISATION, name: 'x'.repeat(301) },
      { ...ORGANISATION, dpo: 'dpo@acme.example' },
      { ...ORGANISATION, dpo: { name: 'Claire Martin' } },
      { ...ORGANISATION, dpo: [{ name: 'Claire Martin', contact: 'dpo@acme.example' }] },
      { ...ORGANISATION, representative: [] },
      { ...ORGANISATION, representative: { contact: 'eu@acme.example' } },
      { ...ORGANISATION, establishedInEu: 'no' },
      { ...ORGANISATION, vatNumber: 'FR00123456789' },
    ];
    for (const body of bad) {
      const res = await dpo().put('/register/organisation').send(body);
      expect([res.status, res.body.error, JSON.stringify(body)]).toEqual([
        400,
        'VALIDATION_FAILED',
        JSON.stringify(body),
      ]);
    }
    await t.as(Role.Auditor).put('/register/organisation').send(ORGANISATION).expect(403);
    await t.as(Role.Application).put('/register/organisation').send(ORGANISATION).expect(403);
    expect((await db.query(`SELECT count(*)::int AS n FROM controller_organisation`)).rows[0].n).toBe(0);
    expect(await events()).toEqual([]);
  });

  it('is declared and changed by the DPO, each change audited with before and after, gaps following', async () => {
    const first = await dpo().put('/register/organisation').send(ORGANISATION).expect(200);
    expect(first.body).toMatchObject({ ...ORGANISATION, dpo: null, representative: null, version: 1 });
    expect(first.body.updatedBy).toMatchObject({ type: 'principal', id: t.principalIds[Role.Dpo] });
    expect((await t.as(Role.Auditor).get('/register/organisation').expect(200)).body).toEqual(first.body);
    // Declared, but no DPO and, outside the EU, no representative.
    expect((await gapCodes()).map((g) => g.code)).toEqual([
      'DPO_CONTACT_MISSING',
      'EU_REPRESENTATIVE_MISSING',
    ]);

    const stale = await dpo()
      .put('/register/organisation')
      .set('If-Match', '"0"')
      .send({ ...ORGANISATION, dpo: DPO });
    expect([stale.status, stale.body.error]).toEqual([412, 'ORGANISATION_VERSION_MISMATCH']);

    const second = await dpo()
      .put('/register/organisation')
      .set('If-Match', '"1"')
      .send({ ...ORGANISATION, dpo: DPO })
      .expect(200);
    expect(second.body).toMatchObject({ dpo: DPO, representative: null, version: 2 });
    expect((await gapCodes()).map((g) => g.code)).toEqual(['EU_REPRESENTATIVE_MISSING']);

    const third = await dpo()
      .put('/register/organisation')
      .send({ ...ORGANISATION, dpo: DPO, representative: REPRESENTATIVE })
      .expect(200);
    expect(third.body.version).toBe(3);
    expect(await gapCodes()).toEqual([]);
    // The same record again changes nothing and records nothing.
    const again = await dpo()
      .put('/register/organisation')
      .send({ ...ORGANISATION, dpo: DPO, representative: REPRESENTATIVE })
      .expect(200);
    expect(again.body.version).toBe(3);

    const trail = await events();
    expect(trail).toHaveLength(3);
    expect(trail.every((e) => e.actor_id === t.principalIds[Role.Dpo])).toBe(true);
    expect(trail[0]).toMatchObject({ target_type: 'organisation', target_id: 'controller' });
    expect(trail[0].payload).toEqual({
      version: 1,
      changed: ['name', 'address', 'contact', 'establishedInEu', 'dpo', 'representative'],
      before: null,
      after: { ...ORGANISATION, dpo: null, representative: null },
    });
    expect(trail[1].payload).toEqual({
      version: 2,
      changed: ['dpo'],
      before: { ...ORGANISATION, dpo: null, representative: null },
      after: { ...ORGANISATION, dpo: DPO, representative: null },
    });
    expect(trail[2].payload).toMatchObject({ version: 3, changed: ['representative'] });

    // Moving into the EU: a representative is no longer expected; dropping the DPO is a gap again.
    await dpo()
      .put('/register/organisation')
      .send({ ...ORGANISATION, establishedInEu: true })
      .expect(200);
    expect((await gapCodes()).map((g) => g.code)).toEqual(['DPO_CONTACT_MISSING']);
    await dpo()
      .put('/register/organisation')
      .send({ ...ORGANISATION, dpo: DPO, representative: REPRESENTATIVE })
      .expect(200);
  });

  it('prints the controller, its DPO and its EU representative on the record in JSON, CSV and PDF', async () => {
    const [row] = (
      await db.query<Record<string, unknown>>(`SELECT * FROM controller_organisation WHERE id = 1`)
    ).rows;
    expect(row).toMatchObject({
      name: ORGANISATION.name,
      dpo_contact: DPO.contact,
      representative_contact: REPRESENTATIVE.contact,
    });

    const ropa = await json('/reports/ropa');
    expect(ropa.organisation).toEqual({
      ...ORGANISATION,
      dpo: DPO,
      representative: REPRESENTATIVE,
      version: row.version,
      updatedAt: (row.updated_at as Date).toISOString(),
    });

    const csv = await download('/reports/ropa?format=csv&lang=fr').expect(200);
    const rows = parse<Record<string, string>>(csv.body as Buffer, {
      bom: true,
      delimiter: ';',
      columns: true,
    });
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r).toMatchObject({
        'Responsable du traitement (organisme)': ORGANISATION.name,
        'Adresse du responsable': ORGANISATION.address,
        'Coordonnées du responsable': ORGANISATION.contact,
        'Délégué à la protection des données': DPO.name,
        'Coordonnées du DPO': DPO.contact,
        'Représentant dans l’UE (art. 27)': REPRESENTATIVE.name,
        'Coordonnées du représentant': REPRESENTATIVE.contact,
      });
    }
    expect(rows.map((r) => r['Code'])).toContain('billing');

    const pdf = (
      await pdfText((await download('/reports/ropa?format=pdf').expect(200)).body as Buffer)
    ).replace(/\s+/g, ' ');
    expect(pdf).toContain(`Controller (organisation): ${ORGANISATION.name}`);
    expect(pdf).toContain('1 Market Street, San Francisco, CA 94105, USA');
    expect(pdf).toContain(`Data protection officer: ${DPO.name} (${DPO.contact})`);
    expect(pdf).toContain(`EU representative (art. 27): ${REPRESENTATIVE.name} (${REPRESENTATIVE.contact})`);
  });

  it('has reversible migrations: the organisation table and the (type, occurred_at) index on the trail', async () => {
    const dataSource = t.app.get(DataSource);
    const runner = dataSource.createQueryRunner();
    const exists = async () => ({
      table: (await db.query(`SELECT to_regclass('controller_organisation') AS r`)).rows[0].r !== null,
      index:
        (await db.query(`SELECT to_regclass('audit_event_type_occurred_at_idx') AS r`)).rows[0].r !== null,
    });
    const table = new CreateControllerOrganisation1795400700000();
    const index = new AddAuditEventTypeOccurredAtIndex1795400710000();
    try {
      expect(await exists()).toEqual({ table: true, index: true });
      await runner.startTransaction();
      await index.down(runner);
      await table.down(runner);
      expect(await runnerExists(runner)).toEqual({ table: false, index: false });
      await table.up(runner);
      await index.up(runner);
      await runner.commitTransaction();
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
    expect(await exists()).toEqual({ table: true, index: true });

    // The access summary's filter (type and period) is served by the new index when decisions are
    // a minority of the period's events (the (occurred_at) index alone would read them all). Two
    // years of events, inserted and analysed in a transaction that is rolled back (the trail itself
    // is left as it was).
    await db.query('BEGIN');
    try {
      await db.query(`
        INSERT INTO audit_event (seq, occurred_at, type, actor_type, actor_id, actor_name, payload, prev_hash, hash)
        SELECT 1000000000 + g, now() - make_interval(mins => g * 7),
               CASE WHEN g % 20 = 0 THEN 'access.decision' ELSE 'retention.batch' END,
               'principal', 'app', 'app', '{}'::jsonb, repeat('0', 64), repeat('0', 64)
          FROM generate_series(1, 150000) AS g`);
      await db.query('ANALYZE audit_event');
      // SSD storage, as most deployments configure it (random reads cost about as much as sequential).
      await db.query('SET LOCAL random_page_cost = 1.1');
      const plan = await db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT actor_id, purpose_code, payload->>'decision', count(*) FROM audit_event
          WHERE type = 'access.decision' AND occurred_at >= now() - interval '30 days' AND occurred_at < now()
          GROUP BY 1, 2, 3`,
      );
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('audit_event_type_occurred_at_idx');
    } finally {
      await db.query('ROLLBACK');
    }
  });
});

async function runnerExists(runner: import('typeorm').QueryRunner) {
  const [row] = (await runner.query(
    `SELECT to_regclass('controller_organisation') AS t, to_regclass('audit_event_type_occurred_at_idx') AS i`,
  )) as { t: string | null; i: string | null }[];
  return { table: row.t !== null, index: row.i !== null };
}

describe('Controller organisation on the embedded database (PGlite)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ database: 'pglite' });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('runs both migrations down and up, and serves the organisation on the record', async () => {
    const dataSource = t.app.get(DataSource);
    const runner = dataSource.createQueryRunner();
    try {
      expect(await runnerExists(runner)).toEqual({ table: true, index: true });
      await new AddAuditEventTypeOccurredAtIndex1795400710000().down(runner);
      await new CreateControllerOrganisation1795400700000().down(runner);
      expect(await runnerExists(runner)).toEqual({ table: false, index: false });
      await new CreateControllerOrganisation1795400700000().up(runner);
      await new AddAuditEventTypeOccurredAtIndex1795400710000().up(runner);
      expect(await runnerExists(runner)).toEqual({ table: true, index: true });
    } finally {
      await runner.release();
    }
    await t
      .as(Role.Dpo)
      .put('/register/organisation')
      .send({ ...ORGANISATION, dpo: DPO, representative: REPRESENTATIVE })
      .expect(200);
    const res = await t.as(Role.Auditor).get('/reports/ropa').buffer(true).parse(binary).expect(200);
    const doc = JSON.parse((res.body as Buffer).toString('utf8'));
    expect(doc.organisation).toMatchObject({
      name: ORGANISATION.name,
      dpo: DPO,
      representative: REPRESENTATIVE,
    });
  });
});
