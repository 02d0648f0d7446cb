import { domainError, ErrorKind } from '../../common/errors/domain-error';

export class InvalidSubjectId extends domainError('INVALID_SUBJECT_ID', ErrorKind.Invalid) {}
export class ConsentPurposeUnknown extends domainError('CONSENT_PURPOSE_UNKNOWN', ErrorKind.Unprocessable) {}
export class ConsentNotApplicable extends domainError('CONSENT_NOT_APPLICABLE', ErrorKind.Unprocessable) {}
export class ConsentPurposeNotActive extends domainError(
  'CONSENT_PURPOSE_NOT_ACTIVE',
  ErrorKind.Unprocessable,
) {}
export class ConsentPurposeVersionInvalid extends domainError(
  'CONSENT_PURPOSE_VERSION_INVALID',
  ErrorKind.Unprocessable,
) {}
export class ConsentProofTooLarge extends domainError('CONSENT_PROOF_TOO_LARGE', ErrorKind.Unprocessable) {}
export class ConsentTimestampInFuture extends domainError(
  'CONSENT_TIMESTAMP_IN_FUTURE',
  ErrorKind.Unprocessable,
) {}
/** The caller's ability does not cover this purpose (an application outside its authorisations). */
export class ConsentPurposeNotAuthorised extends domainError(
  'CONSENT_PURPOSE_NOT_AUTHORISED',
  ErrorKind.Forbidden,
) {}
export class ConsentImportRejected extends domainError('CONSENT_IMPORT_REJECTED', ErrorKind.Unprocessable) {}
export class ConsentImportTooLarge extends domainError('CONSENT_IMPORT_TOO_LARGE', ErrorKind.TooLarge) {}
export class RestrictionPurposeUnknown extends domainError(
  'RESTRICTION_PURPOSE_UNKNOWN',
  ErrorKind.Unprocessable,
) {}
/**
 * The caller may not restrict these purposes (an application outside its authorisations). Decided
 * before any existence check: the answer is the same whether the purpose exists or not.
 */
export class RestrictionPurposeNotAuthorised extends domainError(
  'RESTRICTION_PURPOSE_NOT_AUTHORISED',
  ErrorKind.Forbidden,
) {}
/** An application names the purposes it restricts; only a DPO restricts every purpose at once. */
export class RestrictionPurposesRequired extends domainError(
  'RESTRICTION_PURPOSES_REQUIRED',
  ErrorKind.Forbidden,
) {}
export class RestrictionNotFound extends domainError('RESTRICTION_NOT_FOUND', ErrorKind.NotFound) {}
export class RestrictionAlreadyLifted extends domainError('RESTRICTION_ALREADY_LIFTED', ErrorKind.Conflict) {}
export class InteractionTimestampInFuture extends domainError(
  'INTERACTION_TIMESTAMP_IN_FUTURE',
  ErrorKind.Unprocessable,
) {}
