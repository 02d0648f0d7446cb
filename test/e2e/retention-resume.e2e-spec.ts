import { Role } from '../../src/policies/role.enum';
import { createCrm, Crm, registerCrm } from '../utils/crm-fixture';
import { crashBeforeBatchRecord } from '../utils/retention-crash';
import { preparedBatches, startRetentionRun, waitForRun } from '../utils/retention-run-polling';
import { queryRows, until } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Resuming a run after a crash left a batch `prepared` whose customer transaction committed
 * (docs/retention.md, "Exactly-once counts across a crash"), and a worker losing its lease
 * mid-dataset. The crash is made real in Finalité's database: a trigger refuses to mark a batch
 * committed, as if the worker died between the customer COMMIT and the batch's record.
 */
describe('Retention runs resume prepared batches before anything ends the dataset', () => {
  let t: TestApp;
  const crms: Crm[] = [];

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        RETENTION_SCHEDULER: 'off',
        RETENTION_LEASE_MS: '1000',
        RETENTION_BATCH_SIZE: '10',
        RETENTION_BATCH_PAUSE_MS: '40',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    for (const crm of crms) await crm.close();
  });

  const finalite = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    queryRows<T>(t.databaseUrl!, text, params);

  /** A CRM with `due` rows every purpose of which is over (deleted) and `kept` recent rows. */
  async function crmWith(label: string, due: number, kept: number): Promise<Crm> {
    const crm = await createCrm(label);
    crms.push(crm);
    await crm.query(
      `INSERT INTO customers (id, customer_ref, email, name, postcode, created_at, last_interaction)
       SELECT i, 'cust-' || i, 'c' || i || '@example.com', 'Name ' || i, '75011',
              CASE WHEN i <= $1 THEN now() - interval '12 years' ELSE now() - interval '1 year' END,
              CASE WHEN i <= $1 THEN now() - interval '4 years' ELSE now() - interval '10 days' END
         FROM generate_series(1, $2::int) AS i`,
      [due, due + kept],
    );
    return crm;
  }

  const crash = {
    /** From now on, recording a committed batch fails: the worker "dies" before it. */
    arm: () => crashBeforeBatchRecord.arm(t),
    /** The worker is back: recording works again. */
    disarm: () => crashBeforeBatchRecord.disarm(t),
  };

  /**
   * Starts a purge of `system` and returns once its first batch is `prepared` in Finalité and
   * committed in the CRM (`remaining` rows left) but cannot be recorded.
   */
  async function crashAfterCustomerCommit(system: string, crm: Crm, remaining: number): Promise<string> {
    await crash.arm();
    const runId = await startRetentionRun(t, { system, dryRun: false });
    // Until the worker has tried to record it and given up (its lease released): the customer
    // COMMIT comes before that attempt, and disarming in between would let it succeed.
    await until('a prepared batch whose customer transaction committed', async () => {
      const b = await preparedBatches(t, runId);
      const [c] = await crm.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers`);
      return b.n === 1 && b.released && c.n === remaining;
    });
    return runId;
  }

  const batchesOf = (runId: string) =>
    finalite<{ seq: number; state: string; rows_deleted: number }>(
      `SELECT seq, state, rows_deleted FROM purge_batch WHERE run_id = $1 ORDER BY seq`,
      [runId],
    );
  const auditedBatches = (runId: string) =>
    finalite<{ payload: { seq: number; deleted: number } }>(
      `SELECT payload FROM audit_event WHERE type = 'retention.batch' AND payload->>'runId' = $1 ORDER BY seq`,
      [runId],
    );

  afterEach(async () => {
    await crash.disarm();
  });

  it('a cancel requested after a crash still counts and audits the batch that committed', async () => {
    const crm = await crmWith('resume_cancel', 4, 2);
    await registerCrm(t, crm, { systemCode: 'cancel-crm' });
    const runId = await crashAfterCustomerCommit('cancel-crm', crm, 2);
    // Resumes meanwhile (sweeps) cannot record it either: the state stays as a crash leaves it.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await batchesOf(runId)).map((b) => b.state)).toEqual(['prepared']);

    const cancelled = await t.as(Role.Dpo).post(`/retention/runs/${runId}/cancel`).expect(200);
    expect(cancelled.body.status).toBe('running'); // stops at its next batch boundary
    await crash.disarm();

    const run = await waitForRun(t, runId, ['completed', 'failed', 'cancelled']);
    expect(run.status).toBe('cancelled');
    expect(run.datasets[0]).toMatchObject({
      status: 'cancelled',
      batches: 1,
      scanned: 6,
      deleted: 4,
      anonymised: 0,
    });
    expect(await batchesOf(runId)).toEqual([{ seq: 1, state: 'committed', rows_deleted: 4 }]);
    const audited = await auditedBatches(runId);
    expect(audited.map((e) => [e.payload.seq, e.payload.deleted])).toEqual([[1, 4]]);
  });

  it("a crashed batch of a dataset removed since is settled through its system's connection", async () => {
    const crm = await crmWith('resume_removed', 4, 2);
    await registerCrm(t, crm, { systemCode: 'removed-crm' });
    const runId = await crashAfterCustomerCommit('removed-crm', crm, 2);
    // The system's only dataset leaves the register (fields first) while the batch is unresolved.
    const fields = await t
      .as(Role.Dpo)
      .get('/fields')
      .query({ system: 'removed-crm', limit: 500 })
      .expect(200);
    for (const f of fields.body.items as { key: string }[]) {
      await t.as(Role.Dpo).delete(`/fields/${f.key}`).expect(204);
    }
    await t.as(Role.Dpo).delete('/systems/removed-crm/datasets/public.customers').expect(204);
    await crash.disarm();

    const run = await waitForRun(t, runId, ['completed', 'failed', 'cancelled']);
    expect(run.datasets[0].status).toBe('failed'); // the dataset is gone: nothing more is purged...
    expect(run.datasets[0].error).toMatch(/no longer registered/);
    // ...but what its crashed batch deleted is counted and audited, not lost.
    expect(await batchesOf(runId)).toEqual([{ seq: 1, state: 'committed', rows_deleted: 4 }]);
    const audited = await auditedBatches(runId);
    expect(audited.map((e) => [e.payload.seq, e.payload.deleted])).toEqual([[1, 4]]);
  });

  it('an unreachable customer database leaves the dataset running until it can resolve the batch', async () => {
    const crm = await crmWith('resume_unreachable', 4, 2);
    await registerCrm(t, crm, { systemCode: 'unreach-crm' });
    const runId = await crashAfterCustomerCommit('unreach-crm', crm, 2);
    await t
      .as(Role.Dpo)
      .patch('/systems/unreach-crm')
      .send({ connectionString: 'postgres://postgres@127.0.0.1:1/unreachable' })
      .expect(200);
    await crash.disarm();

    // Several resumes (lease 1 s) find the database unreachable: nothing is failed meanwhile.
    await new Promise((r) => setTimeout(r, 3000));
    const [waiting] = await finalite<{ status: string; error: string | null; run_status: string }>(
      `SELECT d.status, d.error, r.status AS run_status
         FROM retention_run_dataset d JOIN retention_run r ON r.id = d.run_id WHERE d.run_id = $1`,
      [runId],
    );
    expect(waiting).toEqual({ status: 'running', error: null, run_status: 'running' });
    expect((await batchesOf(runId)).map((b) => b.state)).toEqual(['prepared']);

    await t.as(Role.Dpo).patch('/systems/unreach-crm').send({ connectionString: crm.db.url }).expect(200);
    const run = await waitForRun(t, runId, ['completed', 'failed', 'cancelled']);
    expect(run.datasets[0].error).toBeNull();
    expect(run.status).toBe('completed');
    expect(run.totals).toMatchObject({ scanned: 6, deleted: 4, anonymised: 0, errors: 0 });
    expect((await auditedBatches(runId)).map((e) => [e.payload.seq, e.payload.deleted])).toEqual([[1, 4]]);
  });

  it('fails the dataset with an explicit error when the customer database no longer knows the batch', async () => {
    const crm = await crmWith('resume_unknown', 4, 2);
    // txid_status() answers NULL for a transaction older than the commit log. A test database
    // cannot age one, so this CRM's txid_status is shadowed by one that always answers NULL.
    await crm.query(
      `CREATE FUNCTION public.txid_status(bigint) RETURNS text LANGUAGE sql AS 'SELECT NULL::text'`,
    );
    await crm.query(`ALTER DATABASE "${crm.db.name}" SET search_path = public, pg_catalog`);
    await registerCrm(t, crm, { systemCode: 'unknown-crm' });
    const runId = await crashAfterCustomerCommit('unknown-crm', crm, 2);
    await crash.disarm();

    const run = await waitForRun(t, runId, ['completed', 'failed', 'cancelled']);
    expect(run.status).toBe('failed');
    expect(run.datasets[0].error).toMatch(
      /^batch 1 was prepared \(4 deleted, 0 anonymised, if its customer transaction committed\) and cannot be resolved: the customer database no longer knows transaction \d+/,
    );
    // Nothing is guessed: the batch stays prepared, uncounted, and the error says what it held.
    expect(run.totals).toMatchObject({ deleted: 0 });
    expect((await batchesOf(runId)).map((b) => b.state)).toEqual(['prepared']);
  });

  it('a worker whose lease is taken stops before its next batch; the new owner counts every row once', async () => {
    const rows = 300;
    const crm = await crmWith('resume_lease', rows, 0);
    await registerCrm(t, crm, { systemCode: 'lease-crm' });
    const runId = await startRetentionRun(t, { system: 'lease-crm', dryRun: false });
    await until('a few committed batches', async () => {
      const batches = await batchesOf(runId);
      return batches.filter((b) => b.state === 'committed').length >= 3;
    });
    // Another worker takes the run over (as after a long pause of this one).
    await finalite(
      `UPDATE retention_run SET lease_owner = 'another-worker', lease_until = now() + interval '1 hour' WHERE id = $1`,
      [runId],
    );
    const atTakeOver = (await batchesOf(runId)).length;
    await new Promise((r) => setTimeout(r, 1000));
    const later = (await batchesOf(runId)).length;
    await new Promise((r) => setTimeout(r, 700));
    // At most the batch in flight finished; none started after that.
    expect(later).toBeLessThanOrEqual(atTakeOver + 1);
    expect((await batchesOf(runId)).length).toBe(later);
    expect(later).toBeLessThan(rows / 10);
    const [left] = await crm.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers`);
    expect(left.n).toBeGreaterThan(0);

    // The other worker "dies": its lease expires and this instance resumes the run.
    await finalite(`UPDATE retention_run SET lease_until = now() - interval '1 second' WHERE id = $1`, [
      runId,
    ]);
    const run = await waitForRun(t, runId, ['completed', 'failed', 'cancelled']);
    expect(run.datasets[0].error).toBeNull();
    expect(run.status).toBe('completed');
    expect(run.totals).toMatchObject({ scanned: rows, deleted: rows, errors: 0 });
    const batches = await batchesOf(runId);
    expect(batches.every((b) => b.state === 'committed')).toBe(true);
    expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i + 1));
    expect(batches.reduce((n, b) => n + b.rows_deleted, 0)).toBe(rows);
    expect(await auditedBatches(runId)).toHaveLength(batches.length);
  });
});
