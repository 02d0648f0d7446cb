import type { ChildProcess } from 'node:child_process';
import { runDatasetProgress, startRetentionRun, untilCommittedBatches } from './retention-run-polling';
import type { TestApp } from './test-app';
import { queryRows } from './test-database';
import { killHard } from './worker-process';

/**
 * A crash between a batch's customer COMMIT and its record in Finalité, made real in Finalité's
 * database: while armed, a trigger refuses to mark a batch committed, as if the worker died
 * before it. Disarm in a `finally`: the trigger outlives the test otherwise.
 */
export const crashBeforeBatchRecord = {
  arm: async (t: TestApp): Promise<void> => {
    await queryRows(
      t.databaseUrl!,
      `CREATE OR REPLACE FUNCTION test_crash_before_record() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'simulated crash before the batch is recorded'; END $$;
       CREATE TRIGGER test_crash_before_record BEFORE UPDATE ON purge_batch FOR EACH ROW
         WHEN (NEW.state = 'committed') EXECUTE FUNCTION test_crash_before_record();`,
    );
  },
  /** The worker is back: recording works again. */
  disarm: async (t: TestApp): Promise<void> => {
    await queryRows(t.databaseUrl!, `DROP TRIGGER IF EXISTS test_crash_before_record ON purge_batch`);
  },
};

/**
 * A kill -9 of the worker mid-run: starts a purge of `system` on a fresh worker process (added to
 * `workers`, which the suite kills after it), and once `batches` of its batches are committed and
 * `beforeKill` has run, kills that worker without warning. Returns the run's id and its dataset's
 * progress as Finalité recorded it then: the run is left mid-way, for another worker to resume.
 */
export async function killWorkerMidRun(
  t: TestApp,
  workers: ChildProcess[],
  options: {
    startWorker: () => Promise<ChildProcess>;
    system: string;
    batches: number;
    timeoutMs?: number;
    beforeKill?: (runId: string) => Promise<void>;
  },
): Promise<{ runId: string; progress: { batches: number; status: string } }> {
  const worker = await options.startWorker();
  workers.push(worker);
  const runId = await startRetentionRun(t, { system: options.system, dryRun: false });
  await untilCommittedBatches(t, runId, options.batches, options.timeoutMs);
  await options.beforeKill?.(runId);
  await killHard(worker);
  return { runId, progress: await runDatasetProgress(t, runId) };
}
