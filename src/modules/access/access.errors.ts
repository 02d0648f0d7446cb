import { domainError, ErrorKind } from '../../common/errors/domain-error';
import { MAX_BATCH_CHECKS } from './dto/access-check.dto';

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

/** 413 beyond MAX_BATCH_CHECKS, with the limit in the message and the details. */
export function assertBatchSize(count: number): void {
  if (count > MAX_BATCH_CHECKS) {
    throw new AccessBatchTooLarge(
      `A batch holds at most ${MAX_BATCH_CHECKS} checks; this one has ${count}. Split it.`,
      { limit: MAX_BATCH_CHECKS, received: count },
    );
  }
}
