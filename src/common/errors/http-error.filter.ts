import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { RepeatedFailureSummariser } from '../logging/repeated-failure-summariser';
import { DomainError, ErrorKind } from './domain-error';
import type { ErrorBodyDto } from './error-body.dto';

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  [ErrorKind.Invalid]: 400,
  [ErrorKind.Unauthenticated]: 401,
  [ErrorKind.Forbidden]: 403,
  [ErrorKind.NotFound]: 404,
  [ErrorKind.Conflict]: 409,
  [ErrorKind.PreconditionFailed]: 412,
  [ErrorKind.TooLarge]: 413,
  [ErrorKind.Unprocessable]: 422,
  [ErrorKind.RateLimited]: 429,
  [ErrorKind.Unavailable]: 503,
  [ErrorKind.IntegrityFailure]: 500,
};

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * PostgreSQL error codes for a value the database cannot take (bad text representation,
 * datetime format or range, NUL byte / invalid encoding): input errors, not bugs.
 */
const INVALID_VALUE_SQLSTATES = new Set(['22P02', '22007', '22008', '22021', '22P05', '22003', '22001']);

/** PostgreSQL error codes that mean "unreachable / shutting down", as opposed to a bug. */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
  '53300',
]);
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/**
 * The one global filter: every error leaves as { statusCode, error, message, details? }.
 * Domain errors map by kind; framework HTTP errors keep their status; a lost database is
 * a 503; anything else is a 500 whose details stay in the log, never in the response.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter, OnModuleDestroy {
  private readonly logger = new Logger(HttpErrorFilter.name);
  private readonly bodyLimitHint?: number;
  /** 503s come in floods while a dependency is down: summarised, not logged one by one. */
  private readonly refusals = new RepeatedFailureSummariser(this.logger);

  constructor(@Optional() config?: AppConfig) {
    this.bodyLimitHint = config?.BODY_LIMIT_BYTES;
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<FastifyReply | ServerResponse>();
    const body = this.toBody(exception);
    if (body.statusCode === 503) {
      this.refusals.record(body.error, exception);
    } else if (body.statusCode >= 500) {
      this.logger.error({ err: exception, code: body.error }, body.message);
    }
    // A Fastify reply from routes and Fastify's error handler; the raw response from middleware.
    const raw = 'raw' in response ? response.raw : response;
    if (raw.headersSent) {
      // A streamed response failed half-way: the only honest signal left is to cut it.
      raw.destroy();
      return;
    }
    // A stream that failed before its first byte already put its download headers on the response.
    raw.removeHeader('content-disposition');
    if ('raw' in response) {
      void response.status(body.statusCode).type('application/json; charset=utf-8').send(body);
    } else {
      raw.statusCode = body.statusCode;
      raw.setHeader('content-type', 'application/json; charset=utf-8');
      raw.end(JSON.stringify(body));
    }
  }

  onModuleDestroy(): void {
    this.refusals.stop();
  }

  toBody(exception: unknown): ErrorBodyDto {
    if (exception instanceof DomainError) {
      return this.body(STATUS_BY_KIND[exception.kind], exception.code, exception.message, exception.details);
    }
    if (exception instanceof HttpException) {
      return this.fromHttpException(exception);
    }
    const clientError = bodyParserError(exception, this.bodyLimitHint) ?? fastifyClientError(exception);
    if (clientError) return clientError;
    if (isUnavailable(exception)) {
      return this.body(503, 'DATABASE_UNAVAILABLE', 'The database is unavailable; try again later');
    }
    if (exception instanceof QueryFailedError) {
      const sqlState = (exception.driverError as { code?: string } | undefined)?.code;
      if (sqlState === '23505')
        return this.body(409, 'CONFLICT', 'A record with the same unique key already exists');
      if (sqlState === '23502') {
        // A required value got past validation: a DTO gap (logged), but still the caller's input.
        const column = (exception.driverError as { column?: string }).column;
        this.logger.warn({ column }, 'NOT NULL violation reached the database: a DTO misses a rule');
        return this.body(
          400,
          'VALIDATION_FAILED',
          `A required value is missing${column ? `: ${column}` : ''}`,
        );
      }
      if (sqlState && INVALID_VALUE_SQLSTATES.has(sqlState)) {
        return this.body(400, 'BAD_REQUEST', 'A value has an invalid format or characters (e.g. a NUL byte)');
      }
    }
    if (exception instanceof RangeError && /Maximum call stack size exceeded/.test(exception.message)) {
      // Safety net behind the JSON depth limit (e.g. a YAML body nested absurdly deep).
      return this.body(400, 'PAYLOAD_TOO_DEEP', 'The request body is nested too deeply');
    }
    return this.body(500, 'INTERNAL_ERROR', 'Internal error; it has been logged');
  }

  private fromHttpException(exception: HttpException): ErrorBodyDto {
    const status = exception.getStatus();
    // Fastify's body limit (FST_ERR_CTP_BODY_TOO_LARGE) reaches here as a bare 413.
    if (status === 413 && this.bodyLimitHint) {
      return this.body(
        413,
        'PAYLOAD_TOO_LARGE',
        `The request body exceeds the limit of ${this.bodyLimitHint} bytes`,
      );
    }
    const response = exception.getResponse();
    const fallbackCode = CODE_BY_STATUS[status] ?? HttpStatus[status] ?? 'ERROR';
    if (typeof response === 'string') return this.body(status, fallbackCode, response);
    const r = response as { message?: unknown; error?: unknown; code?: unknown; details?: unknown };
    const code = typeof r.code === 'string' ? r.code : fallbackCode;
    if (Array.isArray(r.message)) {
      return this.body(status, code, 'Request validation failed', r.details ?? r.message);
    }
    const message = typeof r.message === 'string' ? r.message : exception.message;
    return this.body(status, code, message, r.details);
  }

  private body(statusCode: number, error: string, message: string, details?: unknown): ErrorBodyDto {
    return details === undefined ? { statusCode, error, message } : { statusCode, error, message, details };
  }
}

/**
 * Errors raised by the body parsers before a route runs (src/common/http: objects with a 4xx
 * `status` and a body-parser-like `type`).
 */
function bodyParserError(err: unknown, limit: number | undefined): ErrorBodyDto | undefined {
  const e = err as { type?: string; status?: number; expose?: boolean; message?: string } | undefined;
  if (!e || typeof e.status !== 'number' || e.status < 400 || e.status >= 500) return undefined;
  switch (e.type) {
    case 'entity.too.large':
      return {
        statusCode: 413,
        error: 'PAYLOAD_TOO_LARGE',
        message: limit
          ? `The request body exceeds the limit of ${limit} bytes`
          : 'The request body is too large',
      };
    case 'entity.too.deep':
      return {
        statusCode: 400,
        error: 'PAYLOAD_TOO_DEEP',
        message: e.message ?? 'The JSON body is nested too deeply',
      };
    case 'entity.parse.failed':
      return {
        statusCode: 400,
        error: 'MALFORMED_JSON',
        message: `The body is not valid JSON: ${e.message ?? ''}`.trim(),
      };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return {
        statusCode: 415,
        error: 'UNSUPPORTED_MEDIA_TYPE',
        message: e.message ?? 'Unsupported body encoding',
      };
    default:
      return e.expose
        ? {
            statusCode: e.status,
            error: CODE_BY_STATUS[e.status] ?? 'BAD_REQUEST',
            message: e.message ?? 'Bad request',
          }
        : undefined;
  }
}

/** A Fastify framework error with a 4xx status (FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH…). */
function fastifyClientError(err: unknown): ErrorBodyDto | undefined {
  const e = err as { name?: string; statusCode?: number; message?: string } | undefined;
  if (e?.name !== 'FastifyError' || typeof e.statusCode !== 'number') return undefined;
  if (e.statusCode < 400 || e.statusCode >= 500) return undefined;
  return {
    statusCode: e.statusCode,
    error: CODE_BY_STATUS[e.statusCode] ?? HttpStatus[e.statusCode] ?? 'BAD_REQUEST',
    message: e.message ?? 'Bad request',
  };
}

export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string }; message?: string } | undefined;
  if (!e) return false;
  const code = e.driverError?.code ?? e.code;
  if (code && (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_ERRNOS.has(code))) return true;
  const msg = e.message ?? '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|embedded database is closed|waiting for the embedded database/i.test(
    msg,
  );
}
