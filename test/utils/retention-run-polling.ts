import type { RetentionRunResponseDto } from '../../src/modules/retention/dto/retention-run.dto';
import { Role } from '../../src/policies/role.enum';
import type { TestApp } from './test-app';
import { queryRows, until } from './test-database';

/** What POST /retention/runs is sent: one system, or one of its datasets. */
export interface RetentionRunRequest {
  system: string;
  dataset?: string;
  dryRun: boolean;
}

/** Polls a run until it reaches one of `statuses` (runs are asynchronous jobs). */
export async function waitForRun(
  t: TestApp,
  runId: string,
  statuses: string[] = ['completed', 'failed', 'cancelled'],
  timeoutMs = 30_000,
): Promise<RetentionRunResponseDto> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.as(Role.Dpo).get(`/retention/runs/${runId}`);
    if (res.status === 200 && statuses.includes(res.body.status as string))
      return res.body as RetentionRunResponseDto;
    if (Date.now() > deadline)
      throw new Error(`Run ${runId} did not reach ${statuses.join('/')}: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The consent-withdrawal run Finalité queues by itself after a withdrawal (the newest listed):
 * polled until it is listed, then until it completes, fails or is cancelled.
 */
export async function waitForConsentWithdrawalRun(t: TestApp): Promise<RetentionRunResponseDto> {
  let runId: string | undefined;
  await until('the consent-withdrawal run', async () => {
    const list = await t
      .as(Role.Dpo)
      .get('/retention/runs')
      .query({ kind: 'consent_withdrawal' })
      .expect(200);
    runId = (list.body.items[0] as RetentionRunResponseDto | undefined)?.id;
    return runId !== undefined;
  });
  return waitForRun(t, runId!);
}

/** Starts a retention run as the DPO and returns its id (202: runs are queued jobs). */
export async function startRetentionRun(t: TestApp, request: RetentionRunRequest): Promise<string> {
  const created = await t.as(Role.Dpo).post('/retention/runs').send(request).expect(202);
  return created.body.id as string;
}

/** Starts a retention run and polls it until it completes, fails or is cancelled. */
export async function runRetention(
  t: TestApp,
  request: RetentionRunRequest,
): Promise<RetentionRunResponseDto> {
  return waitForRun(t, await startRetentionRun(t, request));
}

/** How many of a run's batches Finalité has recorded as committed. */
export async function committedBatchCount(t: TestApp, runId: string): Promise<number> {
  const [{ n }] = await queryRows<{ n: number }>(
    t.databaseUrl!,
    `SELECT count(*)::int AS n FROM purge_batch WHERE run_id = $1 AND state = 'committed'`,
    [runId],
  );
  return n;
}

/** Polls until at least `count` batches of the run are committed: a crash test kills the worker then. */
export async function untilCommittedBatches(
  t: TestApp,
  runId: string,
  count: number,
  timeoutMs = 120_000,
): Promise<void> {
  await until(
    `${count} committed batches of run ${runId}`,
    async () => (await committedBatchCount(t, runId)) >= count,
    timeoutMs,
  );
}

/** The run's (single) dataset as Finalité records it: read after a kill, to show the run is mid-way. */
export async function runDatasetProgress(
  t: TestApp,
  runId: string,
): Promise<{ batches: number; status: string }> {
  const [progress] = await queryRows<{ batches: number; status: string }>(
    t.databaseUrl!,
    `SELECT batches, status FROM retention_run_dataset WHERE run_id = $1`,
    [runId],
  );
  return progress;
}

/**
 * The run's batches left `prepared`, and whether the run's lease is released: once it is, the
 * worker has tried to record its batch and given up (the customer COMMIT came before).
 */
export async function preparedBatches(t: TestApp, runId: string): Promise<{ n: number; released: boolean }> {
  const [prepared] = await queryRows<{ n: number; released: boolean }>(
    t.databaseUrl!,
    `SELECT count(*)::int AS n, bool_and(r.lease_owner IS NULL) AS released
       FROM purge_batch b JOIN retention_run r ON r.id = b.run_id
      WHERE b.run_id = $1 AND b.state = 'prepared'`,
    [runId],
  );
  return prepared;
}
