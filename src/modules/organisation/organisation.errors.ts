import { domainError, ErrorKind } from '../../common/errors/domain-error';

export class OrganisationNotDeclared extends domainError('ORGANISATION_NOT_DECLARED', ErrorKind.NotFound) {}
export class OrganisationVersionMismatch extends domainError(
  'ORGANISATION_VERSION_MISMATCH',
  ErrorKind.PreconditionFailed,
) {}
