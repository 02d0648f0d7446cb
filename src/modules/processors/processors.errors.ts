import { domainError, ErrorKind } from '../../common/errors/domain-error';

export class ProcessorNotFound extends domainError('PROCESSOR_NOT_FOUND', ErrorKind.NotFound) {}
export class ProcessorAlreadyExists extends domainError('PROCESSOR_ALREADY_EXISTS', ErrorKind.Conflict) {}
export class ProcessorVersionMismatch extends domainError(
  'PROCESSOR_VERSION_MISMATCH',
  ErrorKind.PreconditionFailed,
) {}
export class ProcessorRuleViolated extends domainError('PROCESSOR_RULE_VIOLATED', ErrorKind.Unprocessable) {}
/** A system or a purpose names a processor the register does not hold. */
export class ProcessorUnknown extends domainError('PROCESSOR_UNKNOWN', ErrorKind.Unprocessable) {}
