import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Role } from '../../src/policies/role.enum';
import { createCrm, Crm, insertAlternatelyDueCustomers, registerCrm } from '../utils/crm-fixture';
import { testRedisPrefix } from '../utils/redis-keys';
import { killWorkerMidRun } from '../utils/retention-crash';
import { waitForRun } from '../utils/retention-run-polling';
import { queryRows, TEST_REDIS_URL, withAdmin } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';
import {
  killAllHard,
  queueOnlyAppEnv,
  retentionWorkerEnv,
  startWorkerProcess,
  WORKER_START_TIMEOUT_MS,
} from '../utils/worker-process';

const ROWS = 2000;

describe('Retention runs survive a killed worker and a lost Redis (PostgreSQL is the source of truth)', () => {
  describe('kill -9 of the worker mid-run', () => {
    let t: TestApp;
    let crm: Crm;
    const workers: ChildProcess[] = [];
    const prefix = testRedisPrefix();

    beforeAll(async () => {
      // The API only queues (BullMQ); separate worker processes execute, as in production.
      t = await startTestApp({ env: queueOnlyAppEnv(prefix) });
      crm = await createCrm('crash');
      await insertAlternatelyDueCustomers(crm, ROWS);
      await registerCrm(t, crm);
    });
    afterAll(async () => {
      await killAllHard(workers);
      await t?.close();
      await crm?.close();
    });

    const workerEnv = () => retentionWorkerEnv(t, prefix, { RETENTION_BATCH_SIZE: '50' });

    it(
      'resumes at the last committed batch with exact counts, nothing skipped or purged twice',
      async () => {
        // A few committed batches, then the worker is killed without warning.
        const { runId, progress: mid } = await killWorkerMidRun(t, workers, {
          startWorker: () => startWorkerProcess(workerEnv(), WORKER_START_TIMEOUT_MS),
          system: 'crm',
          batches: 5,
          beforeKill: async () => {
            // One purge per dataset at a time.
            const second = await t
              .as(Role.Dpo)
              .post('/retention/runs')
              .send({ system: 'crm', dryRun: false })
              .expect(409);
            expect(second.body.error).toBe('RETENTION_RUN_IN_PROGRESS');
          },
        });
        expect(mid.status).toBe('running');
        expect(mid.batches).toBeGreaterThanOrEqual(5);
        expect(mid.batches).toBeLessThan(ROWS / 50);

        workers.push(await startWorkerProcess(workerEnv(), WORKER_START_TIMEOUT_MS));
        const run = await waitForRun(t, runId, ['completed', 'failed', 'cancelled'], 60_000);
        expect(run.datasets[0].error).toBeNull();
        expect(run.status).toBe('completed');
        expect(run.totals).toMatchObject({ scanned: ROWS, deleted: ROWS / 2, anonymised: 0, errors: 0 });

        const remaining = await crm.query<{ n: number; odd: number }>(
          `SELECT count(*)::int AS n, count(*) FILTER (WHERE id % 2 = 1)::int AS odd FROM customers`,
        );
        expect(remaining[0]).toEqual({ n: ROWS / 2, odd: ROWS / 2 });

        const batches = await queryRows<{
          seq: number;
          key_from: string[];
          key_to: string[];
          rows_scanned: number;
          rows_deleted: number;
          state: string;
        }>(
          t.databaseUrl!,
          `SELECT seq, key_from, key_to, rows_scanned, rows_deleted, state FROM purge_batch WHERE run_id = $1 ORDER BY seq`,
          [runId],
        );
        expect(batches.every((b) => b.state === 'committed')).toBe(true);
        expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i + 1));
        for (let i = 1; i < batches.length; i++) {
          expect(Number(batches[i].key_from[0])).toBeGreaterThan(Number(batches[i - 1].key_to[0]));
        }
        expect(batches.reduce((n, b) => n + b.rows_deleted, 0)).toBe(ROWS / 2);
        expect(batches.reduce((n, b) => n + b.rows_scanned, 0)).toBe(ROWS);
        const audited = await queryRows<{ n: number }>(
          t.databaseUrl!,
          `SELECT count(*)::int AS n FROM audit_event WHERE type = 'retention.batch' AND payload->>'runId' = $1`,
          [runId],
        );
        expect(audited[0].n).toBe(batches.length);
      },
      2 * WORKER_START_TIMEOUT_MS + 60_000,
    );
  });

  describe('Redis unavailable, then back', () => {
    let crm: Crm;
    let databaseUrl: string | undefined;
    let dataDir: string | undefined;
    let second: TestApp | undefined;

    beforeAll(async () => {
      crm = await createCrm('redis');
      await crm.query(
        `INSERT INTO customers (id, customer_ref, email, name, postcode, created_at, last_interaction)
         SELECT i, 'cust-' || i, 'c' || i || '@example.com', 'Name ' || i, '75011',
                now() - interval '12 years', now() - interval '4 years'
           FROM generate_series(1, 30) AS i`,
      );
    });
    afterAll(async () => {
      await second?.close();
      await crm?.close();
      if (databaseUrl) {
        const name = new URL(databaseUrl).pathname.slice(1);
        await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      }
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('keeps the run queued in PostgreSQL and completes it once Redis answers', async () => {
      const prefix = testRedisPrefix();
      const first = await startTestApp({
        env: { REDIS_URL: 'redis://127.0.0.1:1', REDIS_PREFIX: prefix, RETENTION_SCHEDULER: 'off' },
      });
      databaseUrl = first.databaseUrl;
      dataDir = first.dataDir;
      let runId: string;
      try {
        await registerCrm(first, crm);
        const created = await first
          .as(Role.Dpo)
          .post('/retention/runs')
          .send({ system: 'crm', dryRun: false })
          .expect(202);
        runId = created.body.id as string;
        expect(created.body.status).toBe('queued');
        expect((await crm.query<{ n: number }>('SELECT count(*)::int AS n FROM customers'))[0].n).toBe(30);
      } finally {
        // Keep the database: the second instance is the same deployment with Redis back.
        await first.app.close();
      }
      second = await startTestApp({
        databaseUrl,
        dataDir: first.dataDir,
        env: { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, RETENTION_SCHEDULER: 'off' },
      });
      const run = await waitForRun(second, runId, ['completed', 'failed'], 30_000);
      expect(run).toMatchObject({ status: 'completed', totals: { deleted: 30 } });
      expect((await crm.query<{ n: number }>('SELECT count(*)::int AS n FROM customers'))[0].n).toBe(0);
    });
  });
});
