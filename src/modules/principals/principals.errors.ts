import { domainError, ErrorKind } from '../../common/errors/domain-error';

export class PrincipalNotFound extends domainError('PRINCIPAL_NOT_FOUND', ErrorKind.NotFound) {}
export class ApiKeyNotFound extends domainError('API_KEY_NOT_FOUND', ErrorKind.NotFound) {}
export class ApiKeyAlreadyRevoked extends domainError('API_KEY_REVOKED', ErrorKind.Conflict) {}
export class LastAdminRequired extends domainError('LAST_ADMIN_REQUIRED', ErrorKind.Conflict) {}
export class UnknownPurposes extends domainError('UNKNOWN_PURPOSES', ErrorKind.Unprocessable) {}
export class PurposesNeedApplicationRole extends domainError(
  'PURPOSES_NEED_APPLICATION_ROLE',
  ErrorKind.Unprocessable,
) {}
export class ArchiveGrantOutsidePurposes extends domainError(
  'ARCHIVE_GRANT_OUTSIDE_PURPOSES',
  ErrorKind.Unprocessable,
) {}
export class KeyExpiryInPast extends domainError('KEY_EXPIRY_IN_PAST', ErrorKind.Unprocessable) {}
