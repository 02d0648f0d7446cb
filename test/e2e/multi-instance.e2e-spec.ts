import type { ChildProcess } from 'node:child_process';
import { Role } from '../../src/policies/role.enum';
import { createCrm, Crm, insertAlternatelyDueCustomers, registerCrm } from '../utils/crm-fixture';
import { testRedisPrefix } from '../utils/redis-keys';
import { runDatasetProgress, startRetentionRun, waitForRun } from '../utils/retention-run-polling';
import { queryRows, until } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';
import {
  killAllHard,
  killHard,
  queueOnlyAppEnv,
  retentionWorkerEnv,
  startWorkerProcess,
  WORKER_START_TIMEOUT_MS,
} from '../utils/worker-process';

const ROWS = 1000;
const BATCH = 50;
const EMAIL = 'crm.customers.email';

/**
 * The scale-out set-up of docs/operations.md: two service instances (API only, JOBS_INLINE_WORKER
 * false) and separate worker processes, all on one PostgreSQL database and one Redis prefix.
 */
describe('Several service instances and workers on one PostgreSQL and one Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let crm: Crm;
  const workers: ChildProcess[] = [];
  const prefix = testRedisPrefix();
  const env = queueOnlyAppEnv(prefix);
  const workerEnv = () => retentionWorkerEnv(a, prefix, { RETENTION_BATCH_SIZE: String(BATCH) });
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    queryRows<T>(a.databaseUrl!, text, params);

  beforeAll(async () => {
    a = await startTestApp({ env });
    b = await startTestApp({ databaseUrl: a.databaseUrl!, dataDir: a.dataDir, env });
    crm = await createCrm('multi');
    await insertAlternatelyDueCustomers(crm, ROWS);
    await registerCrm(a, crm);
    await a.authoriseApplication(['crm.support', 'marketing.newsletter']);
    // Two app starts, migrations and the register over HTTP: more than a test's time on a busy host.
  }, 180_000);
  afterAll(async () => {
    await killAllHard(workers);
    await b?.app.close();
    await a?.close();
    await crm?.close();
  });

  /** An access check as the application on `on`, until the instance has the register (NOTIFY). */
  const allowedCheck = async (on: TestApp) => {
    for (let i = 0; ; i += 1) {
      const res = await on
        .as(Role.Application)
        .post('/access/check')
        .send({ purpose: 'crm.support', action: 'read', fields: [EMAIL] })
        .expect(200);
      if (res.body.decision === 'allow' || i > 100) return res;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('records the decisions of both instances in one gap-free chain that verifies', async () => {
    expect((await allowedCheck(a)).body.decision).toBe('allow');
    expect((await allowedCheck(b)).body.decision).toBe('allow');
    const ask = (on: TestApp, i: number) =>
      on
        .as(Role.Application)
        .post('/access/check')
        .send({ purpose: 'crm.support', action: 'read', fields: [EMAIL], context: { i } })
        .expect(200)
        .then((res) => ({ on, id: res.body.decisionId as string }));
    // Alternating, one after the other: the chain must hold them in this order.
    const alternating: { on: TestApp; id: string }[] = [];
    for (let i = 0; i < 10; i += 1) alternating.push(await ask(i % 2 ? b : a, i));
    // And concurrently from both.
    const concurrent = await Promise.all(Array.from({ length: 60 }, (_, i) => ask(i % 2 ? b : a, 100 + i)));

    const all = [...alternating, ...concurrent];
    const recorded = await sql<{ target_id: string; seq: string; request_id: string | null }>(
      `SELECT target_id, seq, request_id FROM audit_event
        WHERE type = 'access.decision' AND target_id = ANY($1::text[]) ORDER BY seq`,
      [all.map((d) => d.id)],
    );
    expect(recorded.map((r) => r.target_id).sort()).toEqual(all.map((d) => d.id).sort());
    const seqOf = new Map(recorded.map((r) => [r.target_id, Number(r.seq)]));
    const alternatingSeqs = alternating.map((d) => seqOf.get(d.id)!);
    expect([...alternatingSeqs].sort((x, y) => x - y)).toEqual(alternatingSeqs);

    const [{ n, max }] = await sql<{ n: number; max: number }>(
      `SELECT count(*)::int AS n, max(seq)::int AS max FROM audit_event`,
    );
    expect(max).toBe(n); // gap-free
    for (const on of [a, b]) {
      const verified = await on.as(Role.Auditor).get('/audit/verify').expect(200);
      expect(verified.body).toMatchObject({ ok: true });
      expect(verified.body.checkedEvents).toBeGreaterThanOrEqual(max);
    }
  });

  it('refuses a key revoked on one instance at once on the other, and records nothing for it', async () => {
    const appId = a.principalIds[Role.Application]!;
    const admin = (on: TestApp) => on.as(Role.Admin);
    const created = await admin(a)
      .post(`/principals/${appId}/keys`)
      .send({ label: 'revoked on a' })
      .expect(201);
    const key = created.body.key as string;
    const checkWith = (on: TestApp) =>
      on
        .withKey(key)
        .post('/access/check')
        .send({ purpose: 'crm.support', action: 'read', fields: [EMAIL] });
    // Both instances have the key in their authentication cache.
    await checkWith(a).expect(200);
    await checkWith(b).expect(200);
    await admin(a).delete(`/principals/${appId}/keys/${created.body.id}`).expect(204);
    const [{ before }] = await sql<{ before: number }>(
      `SELECT count(*)::int AS before FROM audit_event WHERE type = 'access.decision'`,
    );
    expect((await checkWith(b).expect(401)).body.error).toBe('UNAUTHENTICATED');
    await checkWith(a).expect(401);
    const [{ after }] = await sql<{ after: number }>(
      `SELECT count(*)::int AS after FROM audit_event WHERE type = 'access.decision'`,
    );
    expect(after).toBe(before);
  });

  it('starts two worker processes beside the instances', async () => {
    // One after the other: a ts-node start of src/worker.ts each, slow on a busy host.
    for (let i = 0; i < 2; i += 1)
      workers.push(await startWorkerProcess(workerEnv(), WORKER_START_TIMEOUT_MS));
    expect(workers.every((w) => w.exitCode === null)).toBe(true);
  }, 320_000);

  it('hands a purge run over to the other worker when the one running it is killed; exact counts', async () => {
    const runId = await startRetentionRun(b, { system: 'crm', dryRun: false });

    // Wait for a few committed batches, then kill -9 whichever worker holds the run.
    let owner = '';
    await until(
      'three committed batches and the lease owner',
      async () => {
        const [row] = await sql<{ n: number; owner: string | null }>(
          `SELECT (SELECT count(*)::int FROM purge_batch WHERE run_id = $1 AND state = 'committed') AS n,
                  (SELECT lease_owner FROM retention_run WHERE id = $1) AS owner`,
          [runId],
        );
        owner = row.owner ?? '';
        return row.n >= 3 && owner !== '';
      },
      60_000,
    );
    const holder = workers.find((w) => owner.includes(`:${w.pid}:`));
    if (!holder) throw new Error(`no worker of this suite holds the run (lease owner "${owner}")`);
    const other = workers.find((w) => w !== holder)!;
    await killHard(holder);
    const mid = await runDatasetProgress(a, runId);
    expect(mid.status).toBe('running');
    expect(mid.batches).toBeLessThan(ROWS / BATCH);

    // No restart: the surviving worker takes the run over once the lease expires.
    const run = await waitForRun(a, runId, ['completed', 'failed', 'cancelled'], 120_000);
    expect(run.status).toBe('completed');
    expect(run.totals).toMatchObject({ scanned: ROWS, deleted: ROWS / 2, anonymised: 0, errors: 0 });
    const audited = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_event
        WHERE type = 'retention.batch' AND payload->>'runId' = $1`,
      [runId],
    );
    const batches = await sql<{ seq: number; rows_deleted: number; rows_scanned: number; state: string }>(
      `SELECT seq, rows_deleted, rows_scanned, state FROM purge_batch WHERE run_id = $1 ORDER BY seq`,
      [runId],
    );
    expect(batches.every((x) => x.state === 'committed')).toBe(true);
    expect(batches.map((x) => x.seq)).toEqual(batches.map((_, i) => i + 1));
    expect(batches.reduce((s, x) => s + x.rows_deleted, 0)).toBe(ROWS / 2);
    expect(batches.reduce((s, x) => s + x.rows_scanned, 0)).toBe(ROWS);
    expect(audited[0].n).toBe(batches.length);
    const remaining = await crm.query<{ n: number; odd: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE id % 2 = 1)::int AS odd FROM customers`,
    );
    expect(remaining[0]).toEqual({ n: ROWS / 2, odd: ROWS / 2 });
    // The API instances execute no jobs and nothing was restarted: the survivor finished it.
    expect(other.exitCode).toBeNull();
    // Batches of 50 by two workers, one killed, a lease of 1 s to expire: minutes on a busy host.
  }, 240_000);
});
