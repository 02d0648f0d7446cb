import { domainError, ErrorKind } from '../../common/errors/domain-error';

/** 401: no key, a malformed header, or a key that does not (or no longer) authenticate. */
export class Unauthenticated extends domainError('UNAUTHENTICATED', ErrorKind.Unauthenticated) {}

/** 429: too many failed authentications from this client; nothing more is recorded this minute. */
export class AuthenticationThrottled extends domainError('AUTHENTICATION_THROTTLED', ErrorKind.RateLimited) {}
