import type { ChildProcess } from 'node:child_process';
import {
  createMysqlDb,
  createVisitActions,
  MysqlDb,
  registerMysqlDataset,
  VISIT_ACTION_FIELDS,
} from '../utils/mysql-fixture';
import { testRedisPrefix } from '../utils/redis-keys';
import { crashBeforeBatchRecord, killWorkerMidRun } from '../utils/retention-crash';
import { preparedBatches, runRetention, startRetentionRun, waitForRun } from '../utils/retention-run-polling';
import { queryRows, until } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';
import {
  killAllHard,
  killHard,
  queueOnlyAppEnv,
  retentionWorkerEnv,
  startWorkerProcess,
} from '../utils/worker-process';

const ROWS = 2000;
const TIMESTAMPS = { collection: 'created_at', lastInteraction: 'last_visit' };
// Worker processes start under ts-node on a shared 2-core machine: these tests wait for them.
const SLOW = 240_000;

/**
 * Exactly once across crashes in a MySQL/MariaDB database (ADR 0049): without txid_status(), the
 * fate of a batch is its row in Finalité's ledger table, written in the batch's own transaction.
 * Counts are checked against the customer database's own rows, not Finalité's report.
 */
describe('MySQL purges survive a killed worker (ledger table in the customer database)', () => {
  let t: TestApp;
  let db: MysqlDb;
  const workers: ChildProcess[] = [];
  const prefix = testRedisPrefix();

  beforeAll(async () => {
    t = await startTestApp({ env: queueOnlyAppEnv(prefix) });
    db = await createMysqlDb('recovery');
  });
  // Each test's workers end with it: a worker left running polls the same queue, so the next
  // test's run could be executed by it, with its own settings (a batch size of 50 where the
  // test expects 20: the crash point it waits for would never come).
  afterEach(async () => {
    await killAllHard(workers);
  });
  afterAll(async () => {
    await killAllHard(workers);
    await t?.close();
    await db?.close();
  });

  const finalite = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    queryRows<T>(t.databaseUrl!, text, params);

  const workerEnv = (extra: Record<string, string> = {}) =>
    retentionWorkerEnv(t, prefix, { RETENTION_MYSQL_BATCH_SIZE: '50', ...extra });

  it(
    'kill -9 mid-run: resumes at the last committed batch, nothing skipped or purged twice (composite key)',
    async () => {
      await createVisitActions(db, ROWS);
      await registerMysqlDataset(t, db, {
        systemCode: 'shop',
        table: 'visit_actions',
        primaryKey: ['visit_id', 'action_seq'],
        subjectColumn: 'visitor_ref',
        timestampColumns: TIMESTAMPS,
        fields: VISIT_ACTION_FIELDS,
      });
      const { runId, progress: mid } = await killWorkerMidRun(t, workers, {
        startWorker: () => startWorkerProcess(workerEnv()),
        system: 'shop',
        batches: 5,
        timeoutMs: 120_000,
      });
      expect(mid.status).toBe('running');
      expect(mid.batches).toBeLessThan(ROWS / 50);
      const [{ n: left }] = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM visit_actions`);
      expect(Number(left)).toBeLessThan(ROWS);
      expect(Number(left)).toBeGreaterThan(ROWS / 2);

      workers.push(await startWorkerProcess(workerEnv()));
      const run = await waitForRun(t, runId, ['completed', 'failed', 'cancelled'], 90_000);
      expect({ status: run.status, error: run.datasets[0].error }).toEqual({
        status: 'completed',
        error: null,
      });
      expect(run.totals).toMatchObject({ scanned: ROWS, deleted: ROWS / 2, anonymised: 0, errors: 0 });

      // The customer database's own rows: exactly the kept half remains.
      const [remaining] = await db.query<{ n: number; due: number }>(
        `SELECT COUNT(*) AS n, SUM(created_at < UTC_TIMESTAMP() - INTERVAL 5 YEAR) AS due FROM visit_actions`,
      );
      expect({ n: Number(remaining.n), due: Number(remaining.due) }).toEqual({ n: ROWS / 2, due: 0 });

      const batches = await finalite<{
        seq: number;
        key_from: string[];
        key_to: string[];
        rows_deleted: number;
        rows_scanned: number;
        state: string;
      }>(
        `SELECT seq, key_from, key_to, rows_deleted, rows_scanned, state FROM purge_batch WHERE run_id = $1 ORDER BY seq`,
        [runId],
      );
      expect(batches.every((b) => b.state === 'committed')).toBe(true);
      expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i + 1));
      const order = (k: string[]) => Number(k[0]) * 10 + Number(k[1]);
      for (let i = 1; i < batches.length; i++) {
        expect(order(batches[i].key_from)).toBeGreaterThan(order(batches[i - 1].key_to));
      }
      expect(batches.reduce((n, b) => n + b.rows_deleted, 0)).toBe(ROWS / 2);
      expect(batches.reduce((n, b) => n + b.rows_scanned, 0)).toBe(ROWS);
      // The ledger keeps the dataset's last batch only (seqs count from 1).
      const ledger = await db.query<{ seq: number }>(`SELECT seq FROM finalite_purge_ledger`);
      expect(ledger.map((r) => Number(r.seq))).toEqual([batches[batches.length - 1].seq]);
    },
    SLOW,
  );

  it(
    'a batch committed in MySQL but not recorded (crash in between) is counted once, from the ledger',
    async () => {
      await createVisitActions(db, 60, 'page_views');
      await registerMysqlDataset(t, db, {
        systemCode: 'shop2',
        table: 'page_views',
        primaryKey: ['visit_id', 'action_seq'],
        subjectColumn: 'visitor_ref',
        timestampColumns: TIMESTAMPS,
        fields: VISIT_ACTION_FIELDS,
      });
      // From now on, recording a committed batch fails: the worker "dies" before it.
      await crashBeforeBatchRecord.arm(t);
      const worker = await startWorkerProcess(workerEnv({ RETENTION_MYSQL_BATCH_SIZE: '20' }));
      workers.push(worker);
      const runId = await startRetentionRun(t, { system: 'shop2', dryRun: false });
      // The first batch is prepared in Finalité and committed in MySQL (10 of its 20 rows gone).
      await until(
        'a prepared batch committed in MySQL',
        async () => {
          const b = await preparedBatches(t, runId);
          const [c] = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM page_views`);
          return b.n === 1 && Number(c.n) === 50;
        },
        120_000,
      );
      await killHard(worker);
      await crashBeforeBatchRecord.disarm(t);
      workers.push(await startWorkerProcess(workerEnv({ RETENTION_MYSQL_BATCH_SIZE: '20' })));
      const run = await waitForRun(t, runId, ['completed', 'failed', 'cancelled'], 90_000);
      expect({ status: run.status, error: run.datasets[0].error }).toEqual({
        status: 'completed',
        error: null,
      });
      expect(run.totals).toMatchObject({ scanned: 60, deleted: 30 });
      const batches = await finalite<{ seq: number; rows_deleted: number; state: string }>(
        `SELECT seq, rows_deleted, state FROM purge_batch WHERE run_id = $1 ORDER BY seq`,
        [runId],
      );
      expect(batches.map((b) => [b.seq, b.rows_deleted, b.state])).toEqual([
        [1, 10, 'committed'],
        [2, 10, 'committed'],
        [3, 10, 'committed'],
      ]);
      const [c] = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM page_views`);
      expect(Number(c.n)).toBe(30);
    },
    SLOW,
  );

  it(
    'refuses to purge when Finalité cannot create its ledger table, saying why',
    async () => {
      const user = `fin_ro_${Date.now() % 100000}`;
      await db.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'pw-ro-1'`);
      await db.query(`GRANT SELECT, UPDATE, DELETE ON \`${db.name}\`.* TO '${user}'@'%'`);
      await db.query(`DROP TABLE IF EXISTS finalite_purge_ledger`);
      workers.push(await startWorkerProcess(workerEnv()));
      try {
        await createVisitActions(db, 10, 'ro_views');
        const url = new URL(db.url);
        url.username = user;
        url.password = 'pw-ro-1';
        await registerMysqlDataset(t, db, {
          systemCode: 'shop-ro',
          table: 'ro_views',
          primaryKey: ['visit_id', 'action_seq'],
          subjectColumn: 'visitor_ref',
          timestampColumns: TIMESTAMPS,
          fields: VISIT_ACTION_FIELDS,
          connectionString: url.toString(),
        });
        const runId = await startRetentionRun(t, { system: 'shop-ro', dryRun: false });
        const run = await waitForRun(t, runId, ['completed', 'failed', 'cancelled'], 60_000);
        expect(run.status).toBe('failed');
        expect(run.datasets[0].error).toMatch(
          /^refused: Finalité's ledger table .*finalite_purge_ledger cannot be created .*docs\/retention-mysql\.md/,
        );
        const [c] = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ro_views`);
        expect(Number(c.n)).toBe(10); // nothing purged without the ledger
        // A dry run needs no ledger: it still reports what is due.
        const dryRun = await runRetention(t, { system: 'shop-ro', dryRun: true });
        expect(dryRun.totals).toMatchObject({ scanned: 10, deleted: 5 });
      } finally {
        await db.query(`DROP USER IF EXISTS '${user}'@'%'`);
      }
    },
    SLOW,
  );
});
