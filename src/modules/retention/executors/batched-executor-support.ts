import { Logger } from '@nestjs/common';
import type { RetentionDatasetPlan } from '../../inventory/inventory.types';
import type { RetentionExemption, RetentionRunDatasetEntity } from '../entities/retention-run-dataset.entity';
import type { RetentionRunEntity } from '../entities/retention-run.entity';
import type { CustomerXactStatus, PurgeBatchLedger } from '../ledger/purge-batch-ledger';
import type { RunDatasetRepository } from '../ledger/run-dataset.repository';
import type { RetentionPlanSource } from '../retention-plan.source';
import { RetentionBatchOutcomeUnknown, RetentionLeaseLost } from '../retention.errors';
import { DatasetStart, safeMessage, SettleOutcome } from './system-executor';

const logger = new Logger('Retention');

/** What settling a prepared batch needs, whatever the kind of customer database. */
export interface SettleDeps {
  ledger: PurgeBatchLedger;
  datasets: RunDatasetRepository;
  plans: RetentionPlanSource;
}

/**
 * Settles the batch a crash (or a failed COMMIT) left `prepared`, before anything may end the
 * dataset, for the kinds that purge in batches (postgres, mysql). `settled`: none is left
 * (recorded if its customer transaction committed, discarded if it aborted). `retry`: its fate
 * cannot be learnt now (customer database unreachable, its transaction still open, or Finalité's
 * recording failed): the dataset stays running and the run is resumed later, since failing or
 * cancelling it would leave committed deletes uncounted. `done`: its fate can never be learnt
 * (RetentionBatchOutcomeUnknown, no connection string any more): the dataset failed with that
 * explicit error, instead of guessing or retrying forever. `statusOf` opens the kind's access to
 * the customer database and answers a transaction's fate by its id (txid, ledger token).
 */
export async function settlePreparedBatch(
  deps: SettleDeps,
  run: RetentionRunEntity,
  rd: RetentionRunDatasetEntity,
  plan: RetentionDatasetPlan | null,
  statusOf: (connectionString: string) => (xid: string) => Promise<CustomerXactStatus>,
): Promise<SettleOutcome> {
  if (run.dryRun) return 'settled';
  const prepared = await deps.ledger.findPrepared(rd.id);
  if (!prepared) return 'settled';
  const unresolved = `batch ${prepared.seq} was prepared (${prepared.rowsDeleted} deleted, ${prepared.rowsAnonymised} anonymised, if its customer transaction committed) and cannot be resolved`;
  const connectionString = plan
    ? plan.system.connectionString
    : // From the system itself: its last dataset may be the one that was removed.
      await deps.plans.systemConnectionString(rd.systemCode);
  if (!connectionString) {
    await failDataset(deps.datasets, rd, `${unresolved}: the system has no connection string`);
    return 'done';
  }
  try {
    const state = await deps.ledger.resolve(run, rd, prepared, statusOf(connectionString));
    if (state) Object.assign(rd, state);
    return 'settled';
  } catch (err) {
    if (err instanceof RetentionLeaseLost) throw err;
    if (err instanceof RetentionBatchOutcomeUnknown) {
      await failDataset(deps.datasets, rd, `${unresolved}: ${err.message}`);
      return 'done';
    }
    logger.warn(
      { err: safeMessage(err), runId: run.id, dataset: rd.datasetName, seq: prepared.seq },
      'A prepared batch cannot be resolved yet; the dataset will be retried',
    );
    return 'retry';
  }
}

export async function failDataset(
  datasets: RunDatasetRepository,
  rd: RetentionRunDatasetEntity,
  message: string,
): Promise<DatasetStart> {
  rd.status = 'failed';
  await datasets.fail(rd.id, message);
  return { outcome: 'done' };
}

/**
 * A subject-level run (erasure, consent withdrawal) over a dataset without a subject column:
 * the subject's rows cannot be located, so nothing is scanned or purged and the dataset is
 * reported with a `subject_not_locatable` exemption (docs/retention.md), not as a purge that
 * found nothing.
 */
export async function completeNotLocatable(
  datasets: RunDatasetRepository,
  run: RetentionRunEntity,
  rd: RetentionRunDatasetEntity,
): Promise<void> {
  const exemption: RetentionExemption = {
    kind: 'subject_not_locatable',
    reason:
      'the dataset declares no subject column: the rows of the subject(s) concerned cannot be located, so nothing was purged here; declare its subject column in the register, or purge them by other means',
  };
  logger.warn(
    { runId: run.id, kind: run.kind, dataset: rd.datasetName },
    'Subject-level run over a dataset without a subject column: reported as not locatable',
  );
  rd.status = 'completed';
  await datasets.transition({ id: rd.id }, 'complete', { exemptions: [exemption] });
}
