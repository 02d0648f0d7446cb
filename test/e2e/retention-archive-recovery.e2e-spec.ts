import type { ChildProcess } from 'node:child_process';
import {
  CONTRACT_FIELDS,
  createPostgresArchiveTable,
  declareArchiveTable,
  SALES_CONTRACT_PURPOSE,
} from '../utils/archive-fixture';
import { createCrm, Crm, registerDataset } from '../utils/crm-fixture';
import { testRedisPrefix } from '../utils/redis-keys';
import { killWorkerMidRun } from '../utils/retention-crash';
import { ensurePurposes } from '../utils/register-fixture';
import { waitForRun } from '../utils/retention-run-polling';
import { queryRows } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';
import {
  killAllHard,
  queueOnlyAppEnv,
  retentionWorkerEnv,
  startWorkerProcess,
  WORKER_START_TIMEOUT_MS,
} from '../utils/worker-process';

const ROWS = 2000;

/**
 * Issue 15: a kill -9 of the worker while it moves values to the intermediate archive resumes
 * exactly. Counted from the customer database's own rows: every due row's values are in the
 * archive once (none lost, none copied twice: the move, the DELETE and the batch's prepared
 * record share the batch protocol of ADRs 0031/0034), and the ledger counts each move once.
 */
describe('Retention: a killed worker resumes the archive moves exactly', () => {
  let t: TestApp;
  let crm: Crm;
  const workers: ChildProcess[] = [];
  const prefix = testRedisPrefix();

  beforeAll(async () => {
    t = await startTestApp({ env: queueOnlyAppEnv(prefix) });
    crm = await createCrm('archive_crash');
    await createPostgresArchiveTable(crm);
    // Every other row's active phase is over (4 years > 3) and its archive phase runs (< 3 + 5).
    await crm.query(
      `INSERT INTO customers (id, customer_ref, email, name, postcode, created_at, last_interaction)
       SELECT i, 'cust-' || i, 'c' || i || '@example.com', 'Name ' || i, '75011', now() - interval '6 years',
              CASE WHEN i % 2 = 0 THEN now() - interval '4 years' ELSE now() - interval '10 days' END
         FROM generate_series(1, $1::int) AS i`,
      [ROWS],
    );
    await ensurePurposes(t, [SALES_CONTRACT_PURPOSE]);
    await registerDataset(t, crm, {
      systemCode: 'crm',
      name: 'public.customers',
      subjectColumn: 'customer_ref',
      timestampColumns: { lastInteraction: 'last_interaction' },
      fields: CONTRACT_FIELDS,
    });
    await declareArchiveTable(t, 'crm', 'public.customers', 'archive.customers');
  });
  afterAll(async () => {
    await killAllHard(workers);
    await t?.close();
    await crm?.close();
  });

  const workerEnv = () => retentionWorkerEnv(t, prefix, { RETENTION_BATCH_SIZE: '50' });

  it(
    'moves every due row once across a kill -9, with exact counts and ledger',
    async () => {
      const { runId, progress: mid } = await killWorkerMidRun(t, workers, {
        startWorker: () => startWorkerProcess(workerEnv(), WORKER_START_TIMEOUT_MS),
        system: 'crm',
        batches: 5,
      });
      expect(mid.status).toBe('running');
      expect(mid.batches).toBeLessThan(ROWS / 50);
      // Mid-run, the customer database is consistent on its own: every archived row's active row
      // is gone (moved and deleted in one transaction).
      const [partial] = await crm.query<{ archived: number; both: number }>(
        `SELECT count(*)::int AS archived,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = a.id))::int AS both
           FROM archive.customers a`,
      );
      expect(partial.both).toBe(0);
      expect(partial.archived).toBeLessThan(ROWS / 2);

      workers.push(await startWorkerProcess(workerEnv(), WORKER_START_TIMEOUT_MS));
      const run = await waitForRun(t, runId, ['completed', 'failed', 'cancelled'], 60_000);
      expect(run.datasets[0].error).toBeNull();
      expect(run.status).toBe('completed');
      expect(run.datasets[0]).toMatchObject({ scanned: ROWS, deleted: ROWS / 2, archived: ROWS / 2 });

      // No value lost, none copied twice: each due row exactly once, with its own values.
      const [archive] = await crm.query<{ n: number; exact: number; odd: number }>(
        `SELECT count(*)::int AS n,
                count(*) FILTER (WHERE email = 'c' || id || '@example.com' AND name = 'Name ' || id
                                   AND customer_ref = 'cust-' || id)::int AS exact,
                count(*) FILTER (WHERE id % 2 = 1)::int AS odd
           FROM archive.customers`,
      );
      expect(archive).toEqual({ n: ROWS / 2, exact: ROWS / 2, odd: 0 });
      const [active] = await crm.query<{ n: number; odd: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE id % 2 = 1)::int AS odd FROM customers`,
      );
      expect(active).toEqual({ n: ROWS / 2, odd: ROWS / 2 });

      const [batches] = await queryRows<{ moved: number; states: string[] }>(
        t.databaseUrl!,
        `SELECT sum((rows_kept->>'archive:moved')::int)::int AS moved, array_agg(DISTINCT state) AS states
           FROM purge_batch WHERE run_id = $1`,
        [runId],
      );
      expect(batches).toEqual({ moved: ROWS / 2, states: ['committed'] });
      const [phases] = await queryRows<{ n: number; run: number }>(
        t.databaseUrl!,
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE run_id = $1)::int AS run FROM subject_archive_phase`,
        [runId],
      );
      expect(phases).toEqual({ n: ROWS / 2, run: ROWS / 2 });
    },
    2 * WORKER_START_TIMEOUT_MS + 90_000,
  );
});
