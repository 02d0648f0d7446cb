import { domainError, ErrorKind } from '../../common/errors/domain-error';

export class AuditEventNotFound extends domainError('AUDIT_EVENT_NOT_FOUND', ErrorKind.NotFound) {}
export class AuditSeqInvalid extends domainError('AUDIT_SEQ_INVALID', ErrorKind.Invalid) {}
export class AuditRangeInvalid extends domainError('AUDIT_RANGE_INVALID', ErrorKind.Invalid) {}
/** An event that cannot be stored as given (not JSON-representable, NUL characters, bad type). */
export class AuditEventInvalid extends domainError('AUDIT_EVENT_INVALID', ErrorKind.Invalid) {}
/** The trail could not make an event durable: the caller must not proceed as if it were recorded. */
export class AuditTrailUnavailable extends domainError('AUDIT_TRAIL_UNAVAILABLE', ErrorKind.Unavailable) {}
/** Back-pressure: the in-process queue of events waiting for the writer is full. */
export class AuditTrailOverloaded extends domainError('AUDIT_TRAIL_OVERLOADED', ErrorKind.Unavailable) {}
/**
 * Events covered by a signed checkpoint are missing: nothing more is appended (see insertChained).
 * A 500, not a 503: it is no passing outage and retrying will not help; an operator must act
 * (docs/adr/0039).
 */
export class AuditTrailTruncated extends domainError('AUDIT_TRAIL_TRUNCATED', ErrorKind.IntegrityFailure) {}
