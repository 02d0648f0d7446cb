import { domainError, ErrorKind } from '../common/errors/domain-error';

/** A principal refused by a policy (the guard) or without the ability a record-level rule needs. */
export class Forbidden extends domainError('FORBIDDEN', ErrorKind.Forbidden) {}
