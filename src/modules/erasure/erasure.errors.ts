import { domainError, ErrorKind } from '../../common/errors/domain-error';

export class ErasureRequestNotFound extends domainError('ERASURE_REQUEST_NOT_FOUND', ErrorKind.NotFound) {}
