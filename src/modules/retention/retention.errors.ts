import { domainError, ErrorKind } from '../../common/errors/domain-error';

export class RetentionRunNotFound extends domainError('RETENTION_RUN_NOT_FOUND', ErrorKind.NotFound) {}
export class RetentionTargetNotFound extends domainError('RETENTION_TARGET_NOT_FOUND', ErrorKind.NotFound) {}
export class RetentionRunInProgress extends domainError('RETENTION_RUN_IN_PROGRESS', ErrorKind.Conflict) {}
export class RetentionRunFinished extends domainError('RETENTION_RUN_FINISHED', ErrorKind.Conflict) {}
export class RetentionCallbackUnknown extends domainError('RETENTION_CALLBACK_UNKNOWN', ErrorKind.NotFound) {}
export class ManualTaskNotFound extends domainError('MANUAL_TASK_NOT_FOUND', ErrorKind.NotFound) {}
export class ManualTaskClosed extends domainError('MANUAL_TASK_CLOSED', ErrorKind.Conflict) {}
/**
 * A worker's lease renewal matched no row: another worker took the run over (or it ended). The
 * worker stops at once, and the batch in hand is rolled back rather than committed unrecorded.
 */
export class RetentionLeaseLost extends domainError('RETENTION_LEASE_LOST', ErrorKind.Conflict) {}
/**
 * The customer database can no longer tell whether a prepared batch committed (txid_status is
 * NULL: the transaction is older than its commit log). Guessing would miscount: the dataset fails.
 */
export class RetentionBatchOutcomeUnknown extends domainError(
  'RETENTION_BATCH_OUTCOME_UNKNOWN',
  ErrorKind.Unprocessable,
) {}
/** A prepared batch's customer transaction is still open (a dead connection not yet reaped). */
export class RetentionBatchInProgress extends domainError(
  'RETENTION_BATCH_IN_PROGRESS',
  ErrorKind.Unavailable,
) {}
/**
 * A legal hold was placed since the batch in hand was built: its customer transaction is rolled
 * back (from the batch's preparation) and the batch is redone with the new holds.
 */
export class RetentionHoldsChanged extends domainError('RETENTION_HOLDS_CHANGED', ErrorKind.Conflict) {}
