import { Logger } from '@nestjs/common';
import type { RetentionDatasetPlan } from '../../inventory/inventory.types';
import type { RetentionExemption, RetentionRunDatasetEntity } from '../entities/retention-run-dataset.entity';
import type { RetentionRunEntity } from '../entities/retention-run.entity';
import type { CustomerXactStatus, PurgeBatchLedger } from '../ledger/purge-batch-ledger';
import type { RunDatasetRepository } from '../ledger/run-dataset.repository';
import type { PurgeInputs, PurgeInputsReader } from '../purge-inputs.reader';
import type { RetentionPlanSource } from '../retention-plan.source';
import { buildDatasetRule, DatasetRule } from '../retention-rule';
import { RetentionBatchOutcomeUnknown, RetentionLeaseLost } from '../retention.errors';
import { DatasetOutcome, RetentionSubjectNotReadable, safeMessage, SettleOutcome } from './system-executor';

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
): Promise<{ outcome: DatasetOutcome }> {
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

/**
 * What the shared plan-time steps below need of a kind that purges in batches: how to reach its
 * customer database (`H`: a pool, a target) and read a table's facts (`T`), and its checks of
 * the registered dataset against them. The steps are the same for postgres and mysql.
 */
export interface BatchedKindTables<H, T> {
  connect(connectionString: string): H;
  inspect(handle: H, schema: string, table: string): Promise<T | null>;
  executionProblems(rule: DatasetRule, table: T | null): string[];
  archiveProblems(rule: DatasetRule, active: T, archive: T | null): string[];
  keptExemptions(rule: DatasetRule, table: T): RetentionExemption[];
}

/** What planning a batched dataset needs of Finalité's side. */
export interface PlanDeps {
  datasets: RunDatasetRepository;
  reader: PurgeInputsReader;
}

/** A dataset whose table passed the checks, with the access to its customer database. */
export interface CheckedDataset<H, T> {
  rule: DatasetRule;
  handle: H;
  table: T;
}

/**
 * The start of planDataset for a batched kind: marks the dataset running, inspects its table
 * (and its archive table) and checks the register against them. Returns the outcome when the
 * dataset ends here (busy, failed, refused, or not locatable), else the checked dataset.
 */
export async function checkBatchedDataset<H, T>(
  deps: PlanDeps,
  tables: BatchedKindTables<H, T>,
  run: RetentionRunEntity,
  rd: RetentionRunDatasetEntity,
  plan: RetentionDatasetPlan,
): Promise<CheckedDataset<H, T> | { outcome: DatasetOutcome }> {
  if (!(await deps.datasets.markRunning(rd.id))) return { outcome: 'busy' };
  const fail = (message: string) => failDataset(deps.datasets, rd, message);
  if (!plan.system.connectionString) return fail('the system has no connection string');
  const rule = await deps.reader.rule(run, plan);
  const handle = tables.connect(plan.system.connectionString);
  let table: T | null;
  let archiveTable: T | null = null;
  try {
    table = await tables.inspect(handle, rule.schema, rule.table);
    if (rule.archive?.schema && rule.archive.table && table) {
      archiveTable = await tables.inspect(handle, rule.archive.schema, rule.archive.table);
    }
  } catch (err) {
    return fail(`the system's database is unreachable: ${safeMessage(err)}`);
  }
  const problems = tables.executionProblems(rule, table);
  // The archive is checked before anything moves: a missing or different table refuses the
  // dataset with the DDL to create (ADR 0052), never a purge that would lose archived values.
  if (!problems.length) problems.push(...tables.archiveProblems(rule, table!, archiveTable));
  if (problems.length) return fail(`refused: ${problems.join('; ')}`);
  if (run.subjectIds && !rule.subjectColumn) {
    // An erasure or a consent withdrawal concerns subjects, and nothing tells which rows are
    // theirs: reported as such, never as a purge that found nothing.
    await completeNotLocatable(deps.datasets, run, rd);
    return { outcome: 'done' };
  }
  return { rule, handle, table: table! };
}

/**
 * The batches' inputs of a checked dataset, and what the purge will keep, recorded up front
 * (referenced rows and unpurgeable fields; their counts come per batch).
 */
export async function readBatchInputs<H, T>(
  deps: PlanDeps,
  tables: BatchedKindTables<H, T>,
  run: RetentionRunEntity,
  rd: RetentionRunDatasetEntity,
  { rule, table }: CheckedDataset<H, T>,
): Promise<{ inputs: PurgeInputs; exemptions: RetentionExemption[] }> {
  // LEGAL HOLD, purge: the holds in force now become the batches' exclusions (hold-inputs.ts).
  const read = await deps.reader.forRun(run, rule, true);
  const exemptions = [...read.exemptions, ...tables.keptExemptions(rule, table)];
  await deps.datasets.setExemptions(rd.id, exemptions);
  return { inputs: read.inputs, exemptions };
}

/**
 * The subject's table for readSubjectValues, checked as for a purge: only identifiers checked
 * against the register and the table are read. Throws RetentionSubjectNotReadable otherwise.
 */
export async function checkSubjectTable<H, T>(
  reader: PurgeInputsReader,
  tables: BatchedKindTables<H, T>,
  plan: RetentionDatasetPlan,
): Promise<CheckedDataset<H, T>> {
  const rule = buildDatasetRule(plan, await reader.purposeFacts());
  if (!rule.subjectColumn) {
    throw new RetentionSubjectNotReadable(`Dataset ${plan.dataset.name} declares no subject column`);
  }
  if (!plan.system.connectionString) {
    throw new RetentionSubjectNotReadable(`System ${plan.system.code} has no connection string`);
  }
  const handle = tables.connect(plan.system.connectionString);
  const table = await tables.inspect(handle, rule.schema, rule.table);
  const problems = tables.executionProblems(rule, table);
  if (problems.length) throw new RetentionSubjectNotReadable(`refused: ${problems.join('; ')}`);
  return { rule, handle, table: table! };
}
