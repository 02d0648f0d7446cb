import { domainError, ErrorKind } from '../../common/errors/domain-error';

export class ReportFormatUnsupported extends domainError('REPORT_FORMAT_UNSUPPORTED', ErrorKind.Invalid) {}
export class ReportPeriodInvalid extends domainError('REPORT_PERIOD_INVALID', ErrorKind.Invalid) {}
/** A data source the report needs is not installed in this deployment (module not enabled). */
export class ReportSourceUnavailable extends domainError(
  'REPORT_SOURCE_UNAVAILABLE',
  ErrorKind.Unavailable,
) {}
