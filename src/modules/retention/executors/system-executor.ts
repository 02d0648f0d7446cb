import { domainError, ErrorKind } from '../../../common/errors/domain-error';
import type { RetentionDatasetPlan } from '../../inventory/inventory.types';
import type { RetentionRunDatasetEntity } from '../entities/retention-run-dataset.entity';
import type { RetentionRunEntity } from '../entities/retention-run.entity';

/**
 * What executing one dataset of a run came to. `retry`: left running for a later attempt (the
 * sweep resumes the run); `busy`: another run is purging the dataset; `stopped`: this worker stops.
 */
export type DatasetOutcome = 'done' | 'waiting' | 'busy' | 'stopped' | 'cancelled' | 'retry';

/** After one batch: `next` batch (after the configured pause), `again` at once (redo), or the end. */
export type BatchStep = 'next' | 'again' | DatasetOutcome;

/** A dataset purged batch by batch (postgres): the runner drives it, one batch at a time. */
export interface DatasetPurge {
  nextBatch(): Promise<BatchStep>;
  /** The worker stops between batches: what committed is recorded first. */
  stop(): Promise<void>;
}

/** What planning a dataset gives: an outcome already (delivered, task opened, refused), or batches. */
export type DatasetStart = { outcome: DatasetOutcome } | { purge: DatasetPurge };

/** How a prepared batch left by a crash stands (`done`: the dataset failed, its fate unknowable). */
export type SettleOutcome = 'settled' | 'retry' | 'done';

/** A subject's values of the registered fields in one dataset, by row key (never logged). */
export interface SubjectValues {
  system: string;
  datasetId: string;
  dataset: string;
  rows: { key: string[]; values: Record<string, unknown> }[];
}

/**
 * One kind of system the retention engine purges (`postgres`, `mysql`, `webhook`, `manual`). The runner
 * loops over a run's datasets and hands each to the executor of its system's kind; a new kind
 * is a folder under executors/ with a class implementing this, listed in SYSTEM_EXECUTORS
 * (executors/system-executors.ts). docs/retention.md, "Code map".
 */
export interface SystemExecutor {
  readonly kind: string;
  /**
   * Before anything may end the dataset: resolve a batch a crash left `prepared` (its deletes may
   * have committed and must be counted first). Executors without batches answer `settled`.
   */
  settle(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    plan: RetentionDatasetPlan | null,
  ): Promise<SettleOutcome>;
  /** Checks and starts one dataset of a run: an outcome, or a purge to drive batch by batch. */
  planDataset(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    plan: RetentionDatasetPlan,
  ): Promise<DatasetStart>;
  /**
   * The subject's values of the dataset's registered fields (per-subject collection, access
   * requests). Throws RetentionOperationNotSupported where Finalité cannot read the system.
   */
  readSubjectValues(plan: RetentionDatasetPlan, subjectId: string): Promise<SubjectValues>;
}

/** The system's kind has no such operation (a webhook or manual system cannot be read by Finalité). */
export class RetentionOperationNotSupported extends domainError(
  'RETENTION_OPERATION_NOT_SUPPORTED',
  ErrorKind.Unprocessable,
) {}

/** The subject's values cannot be read as registered (no subject column, a refused table). */
export class RetentionSubjectNotReadable extends domainError(
  'RETENTION_SUBJECT_NOT_READABLE',
  ErrorKind.Unprocessable,
) {}

/** Error text without connection strings or values (pg messages may quote a DETAIL row). */
export function safeMessage(err: unknown): string {
  const e = err as { message?: string; code?: string };
  const message = (e?.message ?? String(err)).replace(/(postgres(ql)?|mysql):\/\/\S+/g, '<connection>');
  return `${e?.code ? `[${e.code}] ` : ''}${message}`.slice(0, 500);
}

/** For the kinds Finalité cannot read (webhook, manual): the typed refusal of readSubjectValues. */
export function subjectValuesNotSupported(plan: RetentionDatasetPlan, why: string): Promise<SubjectValues> {
  return Promise.reject(
    new RetentionOperationNotSupported(`System ${plan.system.code} ${why}: Finalité cannot read its records`),
  );
}

/** For the kinds without batches of their own (the system or a person reports once). */
export function nothingToSettle(): Promise<SettleOutcome> {
  return Promise.resolve('settled');
}
