import { domainError, ErrorKind } from '../../common/errors/domain-error';

export class SystemNotFound extends domainError('SYSTEM_NOT_FOUND', ErrorKind.NotFound) {}
export class SystemAlreadyExists extends domainError('SYSTEM_ALREADY_EXISTS', ErrorKind.Conflict) {}
export class SystemVersionMismatch extends domainError(
  'SYSTEM_VERSION_MISMATCH',
  ErrorKind.PreconditionFailed,
) {}
export class SystemNotEmpty extends domainError('SYSTEM_NOT_EMPTY', ErrorKind.Conflict) {}
export class SystemRuleViolated extends domainError('SYSTEM_RULE_VIOLATED', ErrorKind.Unprocessable) {}
export class SystemNotScannable extends domainError('SYSTEM_NOT_SCANNABLE', ErrorKind.Unprocessable) {}
export class SystemUnreachable extends domainError('SYSTEM_UNREACHABLE', ErrorKind.Unavailable) {}
export class SystemSecretUnreadable extends domainError(
  'SYSTEM_SECRET_UNREADABLE',
  ErrorKind.Unprocessable,
) {}

export class DatasetNotFound extends domainError('DATASET_NOT_FOUND', ErrorKind.NotFound) {}
export class DatasetAlreadyExists extends domainError('DATASET_ALREADY_EXISTS', ErrorKind.Conflict) {}
export class DatasetNotEmpty extends domainError('DATASET_NOT_EMPTY', ErrorKind.Conflict) {}
/** An archive table declared where it cannot work (another kind of system, the table itself). */
export class DatasetArchiveRefused extends domainError('DATASET_ARCHIVE_REFUSED', ErrorKind.Unprocessable) {}

export class FieldNotFound extends domainError('FIELD_NOT_FOUND', ErrorKind.NotFound) {}
export class FieldAlreadyExists extends domainError('FIELD_ALREADY_EXISTS', ErrorKind.Conflict) {}
export class FieldRuleViolated extends domainError('FIELD_RULE_VIOLATED', ErrorKind.Unprocessable) {}
export class FieldBindingRefused extends domainError('FIELD_BINDING_REFUSED', ErrorKind.Unprocessable) {}

export class RegisterMalformed extends domainError('REGISTER_MALFORMED', ErrorKind.Invalid) {}
export class RegisterInvalid extends domainError('REGISTER_INVALID', ErrorKind.Unprocessable) {}
/** The YAML text of a register document is past the size its parser is given (see yaml-limits). */
export class RegisterTooLarge extends domainError('REGISTER_TOO_LARGE', ErrorKind.TooLarge) {}
