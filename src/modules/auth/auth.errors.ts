import { domainError, ErrorKind } from '../../common/errors/domain-error';

/** 401: no key, a malformed header, or a key that does not (or no longer) authenticate. */
export class Unauthenticated extends domainError('UNAUTHENTICATED', ErrorKind.Unauthenticated) {}

/** 429: too many failed authentications from this client; nothing more is recorded this minute. */
export class AuthenticationThrottled extends domainError('AUTHENTICATION_THROTTLED', ErrorKind.RateLimited) {}

/** 403: an application principal calls the API with its key; the console is for people. */
export class ConsoleNotForApplications extends domainError(
  'CONSOLE_NOT_FOR_APPLICATIONS',
  ErrorKind.Forbidden,
) {}

/** 403: a cookie-authenticated unsafe request without the session's X-CSRF-Token. */
export class CsrfTokenInvalid extends domainError('CSRF_TOKEN_INVALID', ErrorKind.Forbidden) {}

/** 404: GET or DELETE /auth/session authenticated otherwise than by a console session. */
export class NoConsoleSession extends domainError('NO_CONSOLE_SESSION', ErrorKind.NotFound) {}
