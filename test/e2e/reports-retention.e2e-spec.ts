import { parse } from 'csv-parse/sync';
import type { Client } from 'pg';
import type { RetentionRunResponseDto } from '../../src/modules/retention/dto/retention-run.dto';
import { Role } from '../../src/policies/role.enum';
import { createCrm, Crm, insertCustomers, registerCrm } from '../utils/crm-fixture';
import { waitForRun } from '../utils/retention-run-polling';
import { binary } from '../utils/documents';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

const YEAR = 365;
const DAY_MS = 24 * 60 * 60 * 1000;

interface ReportRow {
  systemKey: string;
  datasetKey: string;
  deleted: number;
  anonymised: number;
  held: number;
  failures: number;
  overdue: number;
}

/**
 * The retention report against real runs on real customer databases: a purge, a dry run and failing
 * runs (a purge and a dry run), every figure compared with counts computed here by SQL, on
 * Finalité's tables and on the customer databases themselves (documented semantics: runs counts
 * every run created in the period; volumes and failures count purges only, never dry runs).
 */
describe('Retention report figures against real runs (PostgreSQL)', () => {
  let t: TestApp;
  let db: Client;
  let crm: Crm;
  let ledger: Crm;
  const dpo = () => t.as(Role.Dpo);
  const download = (path: string) => t.as(Role.Auditor).get(path).buffer(true).parse(binary);
  const json = async (path: string) =>
    JSON.parse(((await download(path).expect(200)).body as Buffer).toString('utf8'));
  const runs: Record<string, RetentionRunResponseDto> = {};

  async function run(body: Record<string, unknown>): Promise<RetentionRunResponseDto> {
    const created = await dpo().post('/retention/runs').send(body).expect(202);
    return waitForRun(t, created.body.id as string);
  }

  /**
   * Rows past retention now, from the register's rules restated in SQL (support: 1 year after the
   * last interaction, newsletter: 3 years after it, billing: 10 years after collection): the whole
   * row once every purpose is over, or the name once support and billing are over; held subjects
   * and undated rows are not overdue.
   */
  async function overdueBySql(target: Crm, held: string[]): Promise<number> {
    const [row] = await target.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM customers
        WHERE last_interaction IS NOT NULL AND customer_ref <> ALL($1::text[])
          AND ((created_at < now() - interval '10 years' AND last_interaction < now() - interval '3 years')
            OR (created_at < now() - interval '10 years' AND last_interaction < now() - interval '1 year'
                AND name IS NOT NULL))`,
      [held],
    );
    return row.n;
  }

  /** Expected rows of the report for [from, to), computed from Finalité's tables and the customer databases. */
  async function expectedRows(from: string, to: string): Promise<ReportRow[]> {
    const volumes = await db.query<{
      system_code: string;
      dataset_name: string;
      deleted: number;
      anonymised: number;
      held: number;
      failures: number;
    }>(
      `SELECT d.system_code, d.dataset_name, sum(d.rows_deleted)::int AS deleted,
              sum(d.rows_anonymised)::int AS anonymised, sum(d.rows_held)::int AS held,
              sum(d.errors)::int AS failures
         FROM retention_run_dataset d JOIN retention_run r ON r.id = d.run_id
        WHERE r.created_at >= $1 AND r.created_at < $2 AND NOT r.dry_run
        GROUP BY 1, 2`,
      [from, to],
    );
    const registered = await db.query<{ code: string; name: string }>(
      `SELECT s.code, d.name FROM inventory_dataset d JOIN inventory_system s ON s.id = d.system_id`,
    );
    const overdue = new Map([
      ['crm', await overdueBySql(crm, ['cust-E'])],
      ['ledger', await overdueBySql(ledger, [])],
    ]);
    const rows = new Map<string, ReportRow>();
    for (const r of registered.rows) {
      rows.set(`${r.code}/${r.name}`, {
        systemKey: r.code,
        datasetKey: r.name,
        deleted: 0,
        anonymised: 0,
        held: 0,
        failures: 0,
        overdue: overdue.get(r.code) ?? 0,
      });
    }
    for (const v of volumes.rows) {
      const row = rows.get(`${v.system_code}/${v.dataset_name}`)!;
      Object.assign(row, {
        deleted: v.deleted,
        anonymised: v.anonymised,
        held: v.held,
        failures: v.failures,
      });
    }
    return [...rows.values()].sort(
      (a, b) => a.systemKey.localeCompare(b.systemKey) || a.datasetKey.localeCompare(b.datasetKey),
    );
  }

  async function runCounts(from: string, to: string): Promise<{ runs: number; failedRuns: number }> {
    const [row] = (
      await db.query<{ runs: number; failed: number }>(
        `SELECT count(*)::int AS runs, (count(*) FILTER (WHERE status = 'failed' AND NOT dry_run))::int AS failed
           FROM retention_run WHERE created_at >= $1 AND created_at < $2`,
        [from, to],
      )
    ).rows;
    return { runs: row.runs, failedRuns: row.failed };
  }

  async function failuresBySql(from: string, to: string) {
    const rows = await db.query<{
      run_id: string;
      system_code: string;
      dataset_name: string;
      message: string;
    }>(
      `SELECT d.run_id, d.system_code, d.dataset_name, coalesce(d.error, 'failed') AS message
         FROM retention_run_dataset d JOIN retention_run r ON r.id = d.run_id
        WHERE r.created_at >= $1 AND r.created_at < $2 AND NOT r.dry_run AND d.status = 'failed'
        ORDER BY d.run_id`,
      [from, to],
    );
    return rows.rows.map((f) => ({
      runId: f.run_id,
      systemKey: f.system_code,
      datasetKey: f.dataset_name,
      message: f.message,
    }));
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { RETENTION_SCHEDULER: 'off', RETENTION_BATCH_SIZE: '2' } });
    db = await connectTo(t.databaseUrl!);
    crm = await createCrm('report_crm');
    ledger = await createCrm('report_ledger');
    await insertCustomers(crm, [
      { id: 1, ref: 'cust-A', createdDaysAgo: YEAR, lastInteractionDaysAgo: 180 }, // every purpose lasts
      { id: 2, ref: 'cust-B', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 2 * YEAR }, // name goes
      { id: 3, ref: 'cust-C', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 4 * YEAR }, // row goes
      { id: 4, ref: 'cust-D', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: null }, // undated
      { id: 5, ref: 'cust-E', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 4 * YEAR }, // held
      { id: 6, ref: 'cust-F', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 2 * YEAR }, // name goes
    ]);
    await insertCustomers(ledger, [
      { id: 1, ref: 'led-1', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 4 * YEAR },
      { id: 2, ref: 'led-2', createdDaysAgo: 11 * YEAR, lastInteractionDaysAgo: 5 * YEAR },
      { id: 3, ref: 'led-3', createdDaysAgo: 15 * YEAR, lastInteractionDaysAgo: 6 * YEAR },
      { id: 4, ref: 'led-4', createdDaysAgo: 100, lastInteractionDaysAgo: 10 },
    ]);
    await registerCrm(t, crm);
    await registerCrm(t, ledger, { systemCode: 'ledger' });
    await dpo()
      .post('/legal-holds')
      .send({ scope: 'subject', subjectId: 'cust-E', reason: 'Litigation 2026-CV-200' })
      .expect(201);

    // An early purge, moved out of the default period below: it must count only in a longer one.
    runs.early = await run({ system: 'crm', dryRun: false });
    expect(runs.early.totals).toMatchObject({ deleted: 1, anonymised: 2, held: 1 });
    // Time passes for cust-B: its newsletter ends too, so a second purge deletes the row.
    await crm.query(`UPDATE customers SET last_interaction = now() - interval '4 years' WHERE id = 2`);
    runs.dry = await run({ system: 'crm', dryRun: true });
    expect(runs.dry).toMatchObject({ status: 'completed', totals: { deleted: 1, held: 1 } });
    runs.purge = await run({ system: 'crm', dryRun: false });
    expect(runs.purge).toMatchObject({ status: 'completed', totals: { deleted: 1, held: 1 } });
    // The ledger's table lost a registered column: its purge and its dry run both fail.
    await ledger.query(`ALTER TABLE customers RENAME COLUMN postcode TO zip`);
    runs.failed = await run({ system: 'ledger', dryRun: false });
    runs.failedDry = await run({ system: 'ledger', dryRun: true });
    await ledger.query(`ALTER TABLE customers RENAME COLUMN zip TO postcode`);
    expect(runs.failed.status).toBe('failed');
    expect(runs.failedDry.status).toBe('failed');
    await db.query(`UPDATE retention_run SET created_at = created_at - interval '40 days' WHERE id = $1`, [
      runs.early.id,
    ]);
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await t?.close();
    await crm?.close();
    await ledger?.close();
  });

  it('matches SQL for runs, failed runs, volumes, failures and overdue rows (JSON)', async () => {
    const doc = await json('/reports/retention');
    const { from, to } = doc.period;
    const counts = await runCounts(from, to);
    // Dry runs count as runs; a failed dry run is no failure.
    expect(counts).toEqual({ runs: 4, failedRuns: 1 });
    expect({ runs: doc.runs, failedRuns: doc.failedRuns }).toEqual(counts);

    const rows = await expectedRows(from, to);
    expect(doc.rows).toEqual(rows);
    // The figures are those of the real runs, not of the dry run nor of the early purge.
    expect(rows.find((r) => r.systemKey === 'crm')).toMatchObject({
      deleted: runs.purge.totals.deleted,
      anonymised: runs.purge.totals.anonymised,
      held: runs.purge.totals.held,
    });
    expect(rows.find((r) => r.systemKey === 'ledger')?.overdue).toBe(3);

    const sum = (k: keyof ReportRow) => rows.reduce((s, r) => s + (r[k] as number), 0);
    expect(doc.totals).toEqual({
      deleted: sum('deleted'),
      anonymised: sum('anonymised'),
      held: sum('held'),
      failures: sum('failures'),
      overdue: sum('overdue'),
    });
    expect(doc.overdue.total).toBe(sum('overdue'));
    expect(
      doc.overdue.rows.map((r: { systemKey: string; count: number; note: string | null }) => [
        r.systemKey,
        r.count,
        r.note,
      ]),
    ).toEqual(rows.map((r) => [r.systemKey, r.overdue, null]));

    const failures = await failuresBySql(from, to);
    expect(failures).toEqual([
      expect.objectContaining({ runId: runs.failed.id, systemKey: 'ledger', datasetKey: 'public.customers' }),
    ]);
    expect(failures[0].message).toMatch(/^refused: column postcode does not exist/);
    expect(
      [...doc.failures].sort((a: { runId: string }, b: { runId: string }) => a.runId.localeCompare(b.runId)),
    ).toEqual(failures);
  });

  it('counts the early purge only in a period that covers it', async () => {
    const to = new Date(Date.now() + DAY_MS).toISOString();
    const from = new Date(Date.now() - 50 * DAY_MS).toISOString();
    const doc = await json(`/reports/retention?from=${from}&to=${to}`);
    expect({ runs: doc.runs, failedRuns: doc.failedRuns }).toEqual(await runCounts(from, to));
    expect(doc.runs).toBe(5);
    const rows = await expectedRows(from, to);
    expect(doc.rows).toEqual(rows);
    expect(rows.find((r) => r.systemKey === 'crm')?.deleted).toBe(
      runs.early.totals.deleted + runs.purge.totals.deleted,
    );

    const past = await json('/reports/retention?from=2020-01-01&to=2020-01-31');
    expect({ runs: past.runs, failedRuns: past.failedRuns, failures: past.failures }).toEqual({
      runs: 0,
      failedRuns: 0,
      failures: [],
    });
    expect(past.rows).toEqual(
      (await expectedRows(past.period.from, past.period.to)).map((r) => ({ ...r, failures: 0 })),
    );
  });

  it('gives the same figures in CSV, one parseable row per system × dataset', async () => {
    const doc = await json('/reports/retention');
    const csv = await download('/reports/retention?format=csv&lang=fr').expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const parsed = parse<Record<string, string>>(csv.body as Buffer, {
      bom: true,
      delimiter: ';',
      columns: true,
    });
    const rows = await expectedRows(doc.period.from, doc.period.to);
    expect(
      parsed.map((r) => [
        r['Système'],
        r['Jeu de données'],
        Number(r['Supprimées']),
        Number(r['Anonymisées']),
        Number(r['Gelées']),
        Number(r['Échecs']),
        Number(r['Lignes échues à ce jour']),
      ]),
    ).toEqual(
      rows.map((r) => [r.systemKey, r.datasetKey, r.deleted, r.anonymised, r.held, r.failures, r.overdue]),
    );
  });
});
