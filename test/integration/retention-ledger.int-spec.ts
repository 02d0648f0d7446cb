import type { Client } from 'pg';
import type { AppConfig } from '../../src/config/app-config';
import { JobsModule } from '../../src/jobs/jobs.module';
import { SYSTEM_ACTOR } from '../../src/policies/principal';
import type { RetentionDatasetPlan } from '../../src/modules/inventory/inventory.types';
import type { RetentionRunDatasetEntity } from '../../src/modules/retention/entities/retention-run-dataset.entity';
import type { RetentionRunEntity } from '../../src/modules/retention/entities/retention-run.entity';
import { ManualSystemExecutor } from '../../src/modules/retention/executors/manual/manual.executor';
import { PostgresSystemExecutor } from '../../src/modules/retention/executors/postgres/postgres.executor';
import { RetentionOperationNotSupported } from '../../src/modules/retention/executors/system-executor';
import { WebhookSystemExecutor } from '../../src/modules/retention/executors/webhook/webhook.executor';
import { BatchOutcome, PurgeBatchLedger } from '../../src/modules/retention/ledger/purge-batch-ledger';
import { RetentionRunRepository } from '../../src/modules/retention/ledger/retention-run.repository';
import { RunDatasetRepository } from '../../src/modules/retention/ledger/run-dataset.repository';
import { RunLease } from '../../src/modules/retention/ledger/run-lease';
import { RetentionModule } from '../../src/modules/retention/retention.module';
import { datasetPlan, planField } from '../factories/retention-plan.factory';
import { createCrm, Crm, insertCustomers } from '../utils/crm-fixture';
import { IntegrationContext, startIntegrationModule } from '../utils/integration-module';
import { connectTo, queryRows } from '../utils/test-database';

/**
 * The run ledger on PostgreSQL: guarded dataset transitions, the one-purge-per-dataset index,
 * and the exactly-once batch protocol across a "crash" between a batch's preparation and its
 * customer COMMIT (a real customer transaction, committed, rolled back or left open).
 */
describe('Retention run ledger on PostgreSQL (integration)', () => {
  let ctx: IntegrationContext;
  let crm: Crm;
  let runs: RetentionRunRepository;
  let datasets: RunDatasetRepository;
  let ledger: PurgeBatchLedger;
  let lease: RunLease;
  let plan: RetentionDatasetPlan;

  beforeAll(async () => {
    ctx = await startIntegrationModule({
      imports: [JobsModule.forRoot({ inProcessJobs: true } as AppConfig), RetentionModule],
      env: { RETENTION_SCHEDULER: 'off' },
    });
    runs = ctx.get(RetentionRunRepository);
    datasets = ctx.get(RunDatasetRepository);
    ledger = ctx.get(PurgeBatchLedger);
    ledger.pollMs = 20;
    lease = ctx.get(RunLease);
    crm = await createCrm('ledger');
    plan = datasetPlan({ id: '00000000-0000-4000-8000-0000000000d1' }, [planField('email', ['crm.support'])]);
    plan.system.connectionString = crm.db.url;
  });
  afterAll(async () => {
    await ctx?.close(); // its customer-database pools first, then the CRM database
    await crm?.close();
  });

  /** A claimed purge run over the dataset, as the runner holds it. */
  async function claimedRun(
    dryRun = false,
  ): Promise<{ run: RetentionRunEntity; rd: RetentionRunDatasetEntity }> {
    const created = await runs.transaction((m) =>
      runs.insert(
        m,
        {
          kind: 'on_demand',
          dryRun,
          systemCode: 'crm',
          datasetId: null,
          subjectIds: null,
          purposeCodes: null,
          scheduleKey: null,
          requestedBy: SYSTEM_ACTOR,
        },
        [plan],
      ),
    );
    expect(await lease.claim(created.id)).toBe(true);
    const [rd] = await datasets.ofRuns([created.id]);
    return { run: (await runs.find(created.id))!, rd };
  }

  const statusOf = async (id: string) =>
    (
      await queryRows<{ status: string }>(
        ctx.databaseUrl,
        'SELECT status FROM retention_run_dataset WHERE id = $1',
        [id],
      )
    )[0].status;

  it('moves a dataset only along the transition table, whoever writes late', async () => {
    const { run, rd } = await claimedRun();
    expect(await datasets.markRunning(rd.id)).toBe(true);
    expect(await datasets.transition({ id: rd.id }, 'complete')).toEqual([rd.id]);
    expect(await statusOf(rd.id)).toBe('completed');
    // Refused from a finished status: nothing changes (no error text, no finished_at moved).
    expect(await datasets.transition({ id: rd.id }, 'fail', { error: 'late' })).toEqual([]);
    expect(await datasets.transition({ runId: run.id }, 'cancel')).toEqual([]);
    const [row] = await queryRows<{ status: string; error: string | null }>(
      ctx.databaseUrl,
      'SELECT status, error FROM retention_run_dataset WHERE id = $1',
      [rd.id],
    );
    expect(row).toEqual({ status: 'completed', error: null });
  });

  it('lets one purge at a time run a dataset (the second is told it is busy)', async () => {
    const first = await claimedRun();
    const second = await claimedRun();
    expect(await datasets.markRunning(first.rd.id)).toBe(true);
    expect(await datasets.markRunning(second.rd.id)).toBe(false);
    expect(await statusOf(second.rd.id)).toBe('pending');
    await datasets.fail(first.rd.id, 'done with it');
    expect(await datasets.markRunning(second.rd.id)).toBe(true);
    await datasets.transition({ id: second.rd.id }, 'cancel');
  });

  /** One real customer transaction deleting `ids`, left open: returns its client and the outcome. */
  async function customerBatch(ids: number[]): Promise<{ client: Client; outcome: BatchOutcome }> {
    const client = await connectTo(crm.db.url);
    await client.query('BEGIN');
    const deleted = await client.query('DELETE FROM customers WHERE id = ANY($1::bigint[])', [ids]);
    const [{ xid }] = (await client.query<{ xid: string }>('SELECT txid_current()::text AS xid')).rows;
    return {
      client,
      outcome: {
        kept: {},
        scanned: ids.length,
        deleted: deleted.rowCount ?? 0,
        anonymised: 0,
        held: 0,
        undated: 0,
        firstKey: [String(Math.min(...ids))],
        lastKey: [String(Math.max(...ids))],
        sample: [],
        customerXid: xid,
        durationMs: 3,
      },
    };
  }

  const batchEvents = async (runId: string) =>
    (
      await queryRows<{ n: string }>(
        ctx.databaseUrl,
        `SELECT count(*) AS n FROM audit_event WHERE type = 'retention.batch' AND target_id = $1`,
        [runId],
      )
    )[0].n;

  it('settles a batch prepared before a crash whose customer transaction committed: counted once', async () => {
    await insertCustomers(
      crm,
      [1, 2, 3].map((id) => ({ id, ref: `c${id}`, createdDaysAgo: 900, lastInteractionDaysAgo: 800 })),
    );
    const { run, rd } = await claimedRun();
    await datasets.markRunning(rd.id);
    const { client, outcome } = await customerBatch([1, 2, 3]);
    await ledger.prepare(run, rd, null, 1, outcome);
    await client.query('COMMIT'); // …and the worker dies before recording it
    await client.end();

    const executor = ctx.get(PostgresSystemExecutor);
    const fresh = (await datasets.ofRuns([run.id]))[0];
    expect(await executor.settle(run, fresh, plan)).toBe('settled');
    const [row] = await queryRows<{ batches: number; rows_deleted: string; cursor: string[] }>(
      ctx.databaseUrl,
      'SELECT batches, rows_deleted, cursor FROM retention_run_dataset WHERE id = $1',
      [rd.id],
    );
    expect(row).toEqual({ batches: 1, rows_deleted: '3', cursor: ['3'] });
    expect(await batchEvents(run.id)).toBe('1');
    // Settling again finds nothing prepared and counts nothing twice.
    expect(await executor.settle(run, (await datasets.ofRuns([run.id]))[0], plan)).toBe('settled');
    expect(await batchEvents(run.id)).toBe('1');
    await datasets.transition({ id: rd.id }, 'complete');
  });

  it('discards a batch prepared before a crash whose customer transaction never committed', async () => {
    await insertCustomers(
      crm,
      [4, 5].map((id) => ({ id, ref: `c${id}`, createdDaysAgo: 900, lastInteractionDaysAgo: 800 })),
    );
    const { run, rd } = await claimedRun();
    await datasets.markRunning(rd.id);
    const { client, outcome } = await customerBatch([4, 5]);
    await ledger.prepare(run, rd, null, 1, outcome);
    await client.end(); // the connection dies with the worker: the server rolls the DELETE back

    expect(await ctx.get(PostgresSystemExecutor).settle(run, rd, plan)).toBe('settled');
    expect(
      await queryRows(ctx.databaseUrl, 'SELECT seq FROM purge_batch WHERE run_dataset_id = $1', [rd.id]),
    ).toEqual([]);
    expect(await crm.query('SELECT id FROM customers WHERE id IN (4, 5) ORDER BY id')).toEqual([
      { id: '4' },
      { id: '5' },
    ]);
    expect((await datasets.ofRuns([run.id]))[0]).toMatchObject({ batches: 0, rowsDeleted: 0 });
    expect(await batchEvents(run.id)).toBe('0');
    await datasets.transition({ id: rd.id }, 'complete');
  });

  it('waits for a prepared batch whose customer transaction is still open, then records it', async () => {
    await insertCustomers(crm, [{ id: 6, ref: 'c6', createdDaysAgo: 900, lastInteractionDaysAgo: 800 }]);
    const { run, rd } = await claimedRun();
    await datasets.markRunning(rd.id);
    const { client, outcome } = await customerBatch([6]);
    await ledger.prepare(run, rd, null, 1, outcome);
    const settling = ctx.get(PostgresSystemExecutor).settle(run, rd, plan);
    await new Promise((r) => setTimeout(r, 100));
    await client.query('COMMIT');
    await client.end();
    expect(await settling).toBe('settled');
    expect((await datasets.ofRuns([run.id]))[0]).toMatchObject({ batches: 1, rowsDeleted: 1 });
  });

  it('reads a subject’s registered values from a postgres system, and refuses for the other kinds', async () => {
    await insertCustomers(crm, [
      { id: 10, ref: 'alice', email: 'alice@example.com', createdDaysAgo: 10, lastInteractionDaysAgo: 1 },
      { id: 11, ref: 'bob', email: 'bob@example.com', createdDaysAgo: 10, lastInteractionDaysAgo: 1 },
    ]);
    const values = await ctx.get(PostgresSystemExecutor).readSubjectValues(plan, "alice' OR '1'='1");
    expect(values.rows).toEqual([]); // a parameter, never SQL
    const alice = await ctx.get(PostgresSystemExecutor).readSubjectValues(plan, 'alice');
    expect(alice.rows).toEqual([{ key: ['10'], values: { 'crm.customers.email': 'alice@example.com' } }]);

    const webhook = { ...plan, system: { ...plan.system, kind: 'webhook' as never } };
    await expect(ctx.get(WebhookSystemExecutor).readSubjectValues(webhook)).rejects.toBeInstanceOf(
      RetentionOperationNotSupported,
    );
    await expect(ctx.get(ManualSystemExecutor).readSubjectValues(webhook)).rejects.toBeInstanceOf(
      RetentionOperationNotSupported,
    );
  });
});
