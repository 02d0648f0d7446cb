import { domainError, ErrorKind } from '../../common/errors/domain-error';

export class RetentionRunNotFound extends domainError('RETENTION_RUN_NOT_FOUND', ErrorKind.NotFound) {}
export class RetentionTargetNotFound extends domainError('RETENTION_TARGET_NOT_FOUND', ErrorKind.NotFound) {}
export class RetentionRunInProgress extends domainError('RETENTION_RUN_IN_PROGRESS', ErrorKind.Conflict) {}
export class RetentionRunFinished extends domainError('RETENTION_RUN_FINISHED', ErrorKind.Conflict) {}
export class RetentionCallbackUnknown extends domainError('RETENTION_CALLBACK_UNKNOWN', ErrorKind.NotFound) {}
export class ManualTaskNotFound extends domainError('MANUAL_TASK_NOT_FOUND', ErrorKind.NotFound) {}
export class ManualTaskClosed extends domainError('MANUAL_TASK_CLOSED', ErrorKind.Conflict) {}
