import { domainError, ErrorKind } from '../../common/errors/domain-error';

export class LegalHoldNotFound extends domainError('LEGAL_HOLD_NOT_FOUND', ErrorKind.NotFound) {}
export class LegalHoldAlreadyLifted extends domainError('LEGAL_HOLD_ALREADY_LIFTED', ErrorKind.Conflict) {}
export class LegalHoldTargetInvalid extends domainError('LEGAL_HOLD_TARGET_INVALID', ErrorKind.Invalid) {}
