import { Role } from '../../src/policies/role.enum';
import {
  ARCHIVE_LEGAL_REASON as REASON,
  archiveLedger,
  archiveLedgerCount,
  archiveMovesByBatch,
  archivedSubjectsOfRun,
  CONTRACT_FIELDS,
  createPostgresArchiveTable,
  declareArchiveTable,
  SALES_CONTRACT_PURPOSE,
  SALES_STATS_PURPOSE,
  STATS_POSTCODE_FIELD,
} from '../utils/archive-fixture';
import { binary, pdfText } from '../utils/documents';
import { createCrm, Crm, registerDataset } from '../utils/crm-fixture';
import { ensurePurposes } from '../utils/register-fixture';
import { crashBeforeBatchRecord } from '../utils/retention-crash';
import { preparedBatches, runRetention, startRetentionRun, waitForRun } from '../utils/retention-run-polling';
import { connectTo, until } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Issue 15, the intermediate archive on a real PostgreSQL database: "3 years active after the
 * last contact, then 5 years in intermediate archive for the limitation period, then deletion".
 * Time is simulated through the data (trigger dates in the past, an archive_until moved back),
 * never the clock.
 */
describe('Retention: the intermediate archive phase (postgres)', () => {
  let t: TestApp;
  let crm: Crm;
  let vault: Crm | undefined;
  let purposeId: string;
  const dpo = () => t.as(Role.Dpo);
  const run = () => runRetention(t, { system: 'shop', dataset: 'public.customers', dryRun: false });
  const ledger = () => archiveLedger(t);

  beforeAll(async () => {
    t = await startTestApp({
      env: { RETENTION_SCHEDULER: 'off', RETENTION_BATCH_SIZE: '2', RETENTION_LEASE_MS: '1000' },
    });
    crm = await createCrm('archive');
    await crm.query(
      `CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id))`,
    );
    await crm.query(`CREATE SCHEMA archive`);
    await ensurePurposes(t, [SALES_CONTRACT_PURPOSE, SALES_STATS_PURPOSE]);
    purposeId = (await dpo().get('/purposes/sales.contract').expect(200)).body.id as string;
    await registerDataset(t, crm, {
      systemCode: 'shop',
      name: 'public.customers',
      subjectColumn: 'customer_ref',
      timestampColumns: { lastInteraction: 'last_interaction', collection: 'created_at' },
      fields: [...CONTRACT_FIELDS, STATS_POSTCODE_FIELD],
    });
  });
  afterAll(async () => {
    await t?.close();
    await crm?.close();
    await vault?.close();
  });

  it('declares the archive phase: validated, shown in the rule in words and in the history', async () => {
    for (const archive of [{ duration: 'P0D' }, { duration: 'five years' }, { legalReason: 'x' }, 'P5Y']) {
      const res = await dpo()
        .post('/purposes')
        .send({
          code: 'bad.archive',
          name: 'Bad',
          retention: { duration: 'P3Y', trigger: 'collection', archive },
        });
      expect(res.status).toBe(400);
    }
    const p = await dpo().get('/purposes/sales.contract').expect(200);
    expect(p.body.retention).toEqual({
      duration: 'P3Y',
      trigger: 'last_interaction',
      archive: { duration: 'P5Y', legalReason: REASON },
    });
    const history = await dpo().get('/purposes/sales.contract/history').expect(200);
    const versions = history.body.versions as { snapshot: { retention: unknown } }[];
    expect(versions[versions.length - 1].snapshot.retention).toMatchObject({
      archive: { duration: 'P5Y', legalReason: REASON },
    });

    const rules = await dpo().get('/retention/rules').query({ system: 'shop' }).expect(200);
    const email = (rules.body.items as { fields: { column: string; rule: string }[] }[])[0].fields.find(
      (f) => f.column === 'email',
    )!;
    expect(email.rule).toContain(
      `its values first kept 5 years more in the intermediate archive (${REASON})`,
    );

    // The RoPA shows the archive phase and its reason; an archive phase without one is a gap.
    const auditor = (path: string) => t.as(Role.Auditor).get(path).buffer(true).parse(binary).expect(200);
    const ropa = JSON.parse(((await auditor('/reports/ropa')).body as Buffer).toString('utf8'));
    const entry = ropa.entries.find((e: { code: string }) => e.code === 'sales.contract');
    expect(entry.retention.archive).toEqual({
      duration: 'P5Y',
      legalReason: REASON,
      description: `5 years (${REASON})`,
    });
    const pdf = await pdfText((await auditor('/reports/ropa?format=pdf')).body as Buffer);
    expect(pdf.replace(/\s+/g, ' ')).toContain('then intermediate archive 5 years (Limitation period');
    await dpo()
      .patch('/purposes/sales.stats')
      .send({ retention: { duration: 'P1Y', trigger: 'collection', archive: { duration: 'P2Y' } } })
      .expect(200);
    const gaps = JSON.parse(((await auditor('/reports/gaps')).body as Buffer).toString('utf8'));
    expect(
      gaps.gaps.filter((g: { code: string }) => g.code === 'ARCHIVE_PHASE_WITHOUT_LEGAL_REASON'),
    ).toEqual([
      expect.objectContaining({ severity: 'medium', object: { type: 'purpose', id: 'sales.stats' } }),
    ]);
    await dpo()
      .patch('/purposes/sales.stats')
      .send({ retention: { duration: 'P1Y', trigger: 'collection' } })
      .expect(200);
  });

  it('refuses a webhook or manual dataset with an archive table, and a postgres dataset whose archive table is missing, saying what to create', async () => {
    await dpo().post('/systems').send({ code: 'desk', name: 'Desk', kind: 'manual' }).expect(201);
    const refused = await dpo()
      .post('/systems/desk/datasets')
      .send({ name: 'public.people', primaryKey: ['id'], archive: { table: 'archive.people' } })
      .expect(422);
    expect(refused.body.error).toBe('DATASET_ARCHIVE_REFUSED');
    await declareArchiveTable(t, 'shop', 'public.customers', 'archive.customers');
    // The register document carries it, and refuses it on a manual system.
    type Doc = { systems: { code: string; datasets: { name: string; archive?: unknown }[] }[] };
    const doc = (await dpo().get('/register/export').query({ format: 'json' }).expect(200)).body as Doc;
    const shop = doc.systems.find((s) => s.code === 'shop')!;
    expect(shop.datasets[0].archive).toEqual({ table: 'archive.customers' });
    const same = await dpo().post('/register/import').query({ dryRun: 'true' }).send(doc).expect(200);
    expect(same.body.diff.datasets).toMatchObject({ created: [], changed: [] });
    doc.systems
      .find((s) => s.code === 'desk')!
      .datasets.push({
        name: 'public.people',
        primaryKey: ['id'],
        archive: { table: 'archive.people' },
        fields: [],
      } as never);
    const invalid = await dpo().post('/register/import').query({ dryRun: 'true' }).send(doc).expect(422);
    expect(JSON.stringify(invalid.body.details)).toContain('postgres and mysql systems only');

    const r = await run();
    expect(r.datasets[0].status).toBe('failed');
    expect(r.datasets[0].error).toContain('archive table archive.customers does not exist');
    expect(r.datasets[0].error).toContain(
      'CREATE TABLE archive.customers (id bigint NOT NULL, customer_ref text, email text, name text, active_ended_at timestamptz NOT NULL, archive_until timestamptz NOT NULL, PRIMARY KEY (id))',
    );
    // A table that does not match is refused too, naming what differs.
    await crm.query(`CREATE TABLE archive.customers (id bigint PRIMARY KEY, email text)`);
    const mismatch = await run();
    expect(mismatch.datasets[0].error).toMatch(
      /archive table archive.customers does not match: .*column name is missing/,
    );
    await crm.query(`DROP TABLE archive.customers`);
    // The DDL the message gives is what the DBA creates.
    await crm.query(
      `CREATE TABLE archive.customers (id bigint NOT NULL, customer_ref text, email text, name text, active_ended_at timestamptz NOT NULL, archive_until timestamptz NOT NULL, PRIMARY KEY (id))`,
    );
  });

  it('moves the values to the archive and anonymises or deletes the active row in one run, then deletes them from the archive when its phase ends', async () => {
    await crm.query(
      `INSERT INTO customers (id, customer_ref, email, name, postcode, created_at, last_interaction) VALUES
        (1, 'c-1', 'c1@example.com', 'One', '75011', now() - interval '10 years', now() - interval '4 years'),
        (2, 'c-2', 'c2@example.com', 'Two', '75011', now() - interval '10 years', now() - interval '1 year'),
        (3, 'c-3', 'c3@example.com', 'Three', '75011', now() - interval '12 years', now() - interval '9 years'),
        (4, 'c-4', 'c4@example.com', 'Four', '75011', now() - interval '10 years', now() - interval '4 years'),
        (5, 'c-5', 'c5@example.com', 'Five', '75011', now() - interval '10 years', now() - interval '5 years')`,
    );
    // c-4 has an order: its row keeps its key, its personal fields move.
    await crm.query(`INSERT INTO orders VALUES (1, 4)`);

    // The overdue view counts what the next run will move or purge (the archive changes nothing there).
    const overdue = await dpo().get('/retention/overdue').expect(200);
    expect(overdue.body.items).toEqual([expect.objectContaining({ dueRows: 5, error: null })]);

    const first = await run();
    expect(first.status).toBe('completed');
    // c-1, c-5: moved and deleted; c-3: its archive phase is over too (9 > 3 + 5 years), deleted
    // without a copy; c-4: moved and anonymised (referenced); c-2: still active (postcode only).
    expect(first.datasets[0]).toMatchObject({
      status: 'completed',
      deleted: 3,
      anonymised: 2,
      archived: 3,
      archiveDeleted: 0,
      errors: 0,
    });
    expect(
      await crm.query(`SELECT id::int, customer_ref, email, name, postcode FROM customers ORDER BY id`),
    ).toEqual([
      { id: 2, customer_ref: 'c-2', email: 'c2@example.com', name: 'Two', postcode: null },
      { id: 4, customer_ref: 'c-4', email: null, name: null, postcode: null },
    ]);
    const archived = await crm.query<{
      id: number;
      customer_ref: string;
      email: string;
      name: string;
      active_years: number;
      archive_years: number;
    }>(
      `SELECT a.id::int, a.customer_ref, a.email, a.name,
              round(extract(epoch FROM now() - a.active_ended_at) / 86400 / 365.25)::int AS active_years,
              round(extract(epoch FROM a.archive_until - now()) / 86400 / 365.25)::int AS archive_years
         FROM archive.customers a ORDER BY a.id`,
    );
    expect(archived).toEqual([
      { id: 1, customer_ref: 'c-1', email: 'c1@example.com', name: 'One', active_years: 1, archive_years: 4 },
      {
        id: 4,
        customer_ref: 'c-4',
        email: 'c4@example.com',
        name: 'Four',
        active_years: 1,
        archive_years: 4,
      },
      {
        id: 5,
        customer_ref: 'c-5',
        email: 'c5@example.com',
        name: 'Five',
        active_years: 2,
        archive_years: 3,
      },
    ]);
    expect((await ledger()).map((l) => [l.subject_id, l.purpose_id])).toEqual([
      ['c-1', purposeId],
      ['c-4', purposeId],
      ['c-5', purposeId],
    ]);

    // Nothing is copied twice: a second run finds nothing more to move.
    const again = await run();
    expect(again.datasets[0]).toMatchObject({ status: 'completed', deleted: 0, anonymised: 0, archived: 0 });
    expect(await crm.query(`SELECT count(*)::int AS n FROM archive.customers`)).toEqual([{ n: 3 }]);

    // Once its order is gone, c-4's anonymised row is deleted: its values already moved, nothing
    // is copied or counted again.
    await crm.query(`DELETE FROM orders`);
    const later = await run();
    expect(later.datasets[0]).toMatchObject({ status: 'completed', deleted: 1, archived: 0 });
    expect(await crm.query(`SELECT email, name FROM archive.customers WHERE id = 4`)).toEqual([
      { email: 'c4@example.com', name: 'Four' },
    ]);

    // Five years pass for c-1 and c-4; c-4 is under a legal hold: its archived values stay.
    await crm.query(
      `UPDATE archive.customers SET archive_until = now() - interval '1 day' WHERE id IN (1, 4)`,
    );
    await dpo()
      .post('/legal-holds')
      .send({ scope: 'subject', subjectId: 'c-4', reason: 'Litigation 2026-CV-201' })
      .expect(201);
    const expiry = await run();
    expect(expiry.datasets[0]).toMatchObject({
      status: 'completed',
      archived: 0,
      archiveDeleted: 1,
      errors: 0,
    });
    expect(await crm.query(`SELECT id::int FROM archive.customers ORDER BY id`)).toEqual([
      { id: 4 },
      { id: 5 },
    ]);
    expect((await ledger()).map((l) => l.subject_id)).toEqual(['c-4', 'c-5']);
  });

  it('then reaches the archived values only with an explicit grant and a recorded justification (the engine and the access check together)', async () => {
    // c-5's values went to the archive in the run above (its ledger row was written by the engine).
    const EMAIL = 'shop.customers.email';
    const app = () => t.as(Role.Application);
    const check = (subjectId: string, extra: Record<string, unknown> = {}) =>
      app()
        .post('/access/check')
        .send({ purpose: 'sales.contract', action: 'read', fields: [EMAIL], subjectId, ...extra })
        .expect(200);
    await t.authoriseApplication(['sales.contract']);
    // A normal use of an archived subject: denied, the active phase is over.
    expect((await check('c-5')).body.fields[0]).toMatchObject({ allowed: false, reason: 'ARCHIVED' });
    // A subject still in the active base is not affected.
    expect((await check('c-2')).body.fields[0].reason).not.toBe('ARCHIVED');
    const justification = 'Dispute 2026-114: the customer contests the 2021 contract';
    const archived = { phase: 'archive', justification };
    expect((await check('c-5', archived)).body.fields[0].reason).toBe('ARCHIVE_ACCESS_NOT_AUTHORISED');
    await t
      .as(Role.Admin)
      .put(`/principals/${t.principalIds[Role.Application]}/purposes`)
      .send({ purposeCodes: ['sales.contract'], archivePurposeCodes: ['sales.contract'] })
      .expect(200);
    expect((await check('c-5', { phase: 'archive' })).body.fields[0].reason).toBe(
      'ARCHIVE_JUSTIFICATION_MISSING',
    );
    const allowed = await check('c-5', archived);
    expect(allowed.body).toMatchObject({ decision: 'allow', fields: [{ field: EMAIL, allowed: true }] });
    const db = await connectTo(t.databaseUrl!);
    try {
      const recorded = await db.query<{ payload: Record<string, unknown> }>(
        `SELECT payload FROM audit_event WHERE type = 'access.decision' AND target_id = $1`,
        [allowed.body.decisionId],
      );
      expect(recorded.rows[0].payload).toMatchObject({ decision: 'allow', phase: 'archive', justification });
    } finally {
      await db.end();
    }
  });

  it('records a batch that moved values and crashed before its record once, ledger included (txid_status)', async () => {
    vault = await createCrm('archive_resume');
    await createPostgresArchiveTable(vault);
    // Four rows to move (4 years since the last contact), two still active.
    await vault.query(
      `INSERT INTO customers (id, customer_ref, email, name, postcode, created_at, last_interaction)
       SELECT i, 'v-' || i, 'v' || i || '@example.com', 'V ' || i, '75011', now() - interval '6 months',
              CASE WHEN i <= 4 THEN now() - interval '4 years' ELSE now() - interval '10 days' END
         FROM generate_series(1, 6) AS i`,
    );
    const { datasetId } = await registerDataset(t, vault, {
      systemCode: 'vault',
      name: 'public.customers',
      subjectColumn: 'customer_ref',
      timestampColumns: { lastInteraction: 'last_interaction' },
      fields: CONTRACT_FIELDS,
    });
    await declareArchiveTable(t, 'vault', 'public.customers', 'archive.customers');

    // The worker "dies" between the customer COMMIT of batch 1 and its record in Finalité.
    await crashBeforeBatchRecord.arm(t);
    let runId: string;
    try {
      runId = await startRetentionRun(t, { system: 'vault', dryRun: false });
      await until('a prepared batch whose customer transaction moved and deleted', async () => {
        const b = await preparedBatches(t, runId);
        const [c] = await vault!.query<{ n: number }>(`SELECT count(*)::int AS n FROM archive.customers`);
        return b.n === 1 && b.released && c.n === 2;
      });
      // Moved and deleted in the customer database, not yet in the ledger.
      expect(await vault.query(`SELECT count(*)::int AS n FROM customers`)).toEqual([{ n: 4 }]);
      expect(await archiveLedgerCount(t, datasetId)).toBe(0);
    } finally {
      await crashBeforeBatchRecord.disarm(t);
    }

    const resumed = await waitForRun(t, runId);
    expect(resumed.status).toBe('completed');
    expect(resumed.datasets[0]).toMatchObject({ status: 'completed', deleted: 4, archived: 4, errors: 0 });
    expect(
      await vault.query(
        `SELECT id::int, email, name FROM archive.customers WHERE email = 'v' || id || '@example.com' ORDER BY id`,
      ),
    ).toEqual([1, 2, 3, 4].map((id) => ({ id, email: `v${id}@example.com`, name: `V ${id}` })));
    const batches = await archiveMovesByBatch(t, runId);
    expect(batches.every((b) => b.state === 'committed')).toBe(true);
    expect(batches[0]).toMatchObject({ seq: 1, moved: 2 });
    expect(batches.reduce((n, b) => n + (b.moved ?? 0), 0)).toBe(4);
    expect(await archivedSubjectsOfRun(t, datasetId, runId)).toEqual(['v-1', 'v-2', 'v-3', 'v-4']);
  });
});
