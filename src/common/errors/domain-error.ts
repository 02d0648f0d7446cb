/**
 * What kind of failure a domain error is. The one global filter maps kinds to HTTP statuses,
 * so services and jobs never speak HTTP.
 */
export enum ErrorKind {
  Invalid = 'invalid', // 400: malformed request that passed DTO validation
  Unauthenticated = 'unauthenticated', // 401
  Forbidden = 'forbidden', // 403
  NotFound = 'not_found', // 404
  Conflict = 'conflict', // 409
  PreconditionFailed = 'precondition_failed', // 412
  TooLarge = 'too_large', // 413
  Unprocessable = 'unprocessable', // 422: well-formed but breaks a business rule
  RateLimited = 'rate_limited', // 429
  Unavailable = 'unavailable', // 503: a dependency (database, audit trail) is down
  // 500: the service's own evidence is damaged (e.g. the audit trail was cut below a signed
  // checkpoint); not the caller's fault, and retrying will not help until an operator acts.
  IntegrityFailure = 'integrity_failure',
}

/** Base of every typed error thrown below controllers. `code` is stable and documented. */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly kind: ErrorKind;

  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Declares a concrete domain error class in one line: `export class PurposeNotFound extends domainError(...)`. */
export function domainError(code: string, kind: ErrorKind) {
  return class extends DomainError {
    readonly code = code;
    readonly kind = kind;
  };
}

export class ValidationFailed extends domainError('VALIDATION_FAILED', ErrorKind.Invalid) {}
export class DependencyUnavailable extends domainError('DEPENDENCY_UNAVAILABLE', ErrorKind.Unavailable) {}
