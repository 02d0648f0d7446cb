import { domainError, ErrorKind } from '../../common/errors/domain-error';

/** The policy or the audit trail is unreachable: the check fails closed (never an allow). */
export class AccessCheckUnavailable extends domainError('ACCESS_CHECK_UNAVAILABLE', ErrorKind.Unavailable) {}
export class AccessBatchTooLarge extends domainError('ACCESS_BATCH_TOO_LARGE', ErrorKind.TooLarge) {}
export class AccessContextTooLarge extends domainError('ACCESS_CONTEXT_TOO_LARGE', ErrorKind.Unprocessable) {}
export class ExplainNotAllowed extends domainError('EXPLAIN_NOT_ALLOWED', ErrorKind.Forbidden) {}
export class ExplainApplicationUnknown extends domainError(
  'EXPLAIN_APPLICATION_UNKNOWN',
  ErrorKind.Unprocessable,
) {}
export class AccessSummaryRangeInvalid extends domainError(
  'ACCESS_SUMMARY_RANGE_INVALID',
  ErrorKind.Invalid,
) {}
