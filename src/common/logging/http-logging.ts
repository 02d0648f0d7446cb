import type { FastifyInstance } from 'fastify';
import type { Level, Logger, LoggerOptions } from 'pino';
import { currentRequest, requestContextOf, RequestContextState } from '../request-context';
import { serializeError } from './error-serializer';

/** The application's root pino logger (AppModule provides it; nestjs-pino's Logger writes through it). */
export const APPLICATION_LOGGER = Symbol('APPLICATION_LOGGER');

/** The request's path, without the query. */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** Load balancers and orchestrators probe liveness every few seconds: no access line for it. */
export function isLivenessProbe(url: string): boolean {
  return pathOf(url) === '/health';
}

/**
 * The level of a request's access line. Answered access checks are the hot path (thousands a
 * second) and each is already in the audit trail with its request id: their line is debug.
 * Failures stay loud. A 503 is a refusal during an outage: HttpErrorFilter summarises them (first
 * one with its stack, then counts), so one line per refused request would only rebuild the flood.
 */
export function accessLogLevel(url: string, statusCode: number): Level | 'silent' {
  return statusCode === 503
    ? 'silent'
    : statusCode >= 500
      ? 'error'
      : statusCode >= 400
        ? 'warn'
        : pathOf(url).startsWith('/access/check')
          ? 'debug'
          : 'info';
}

/**
 * The application logger's options (pino, through nestjs-pino): no credentials, bodies or response
 * headers on any line (the security headers are the same on every answer and made each line
 * ~1 KB), and every line written while serving a request carries that request (`req`: id, method,
 * url) — added by pino's mixin when a line is written, not by a child logger made for every request
 * (docs/performance.md, fourth pass).
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    // Never log credentials or bodies (they may hold personal data).
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'],
      censor: '[redacted]',
    },
    serializers: {
      err: serializeError,
      req: (req: { id: string; method: string; url: string; originalUrl?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.originalUrl ?? req.url,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    mixin: requestMixin,
  };
}

/** `req` for a line written while serving a request (a line's own `req` wins). */
export function requestMixin(): { req?: RequestContextState } {
  const req = currentRequest();
  return req ? { req } : {};
}

/**
 * One access line per answered request, written by Fastify's onResponse hook with the
 * application logger, as pino-http wrote it (`req`, `res`, `responseTime`, "request completed",
 * or "request errored" with `err` for a 5xx) — without pino-http's per-request child logger and
 * listeners. None for the liveness probe, debug for answered access checks, none for 503
 * (accessLogLevel). A request the client abandons before the answer gets a line too.
 */
export function registerAccessLog(fastify: FastifyInstance, logger: Logger): void {
  const write = (
    context: RequestContextState,
    statusCode: number,
    responseTime: number | undefined,
    message: string,
  ): void => {
    if (isLivenessProbe(context.url)) return;
    const level = accessLogLevel(context.url, statusCode);
    if (level === 'silent' || !logger.isLevelEnabled(level)) return;
    const line: Record<string, unknown> = { req: context, res: { statusCode }, responseTime };
    if (statusCode >= 500) line.err = new Error(`failed with status code ${statusCode}`);
    logger[level](line, message);
  };
  fastify.addHook('onResponse', (request, reply, done) => {
    const context = requestContextOf(request);
    if (context) {
      const statusCode = reply.statusCode;
      write(
        context,
        statusCode,
        Math.round(reply.elapsedTime),
        statusCode >= 500 ? 'request errored' : 'request completed',
      );
    }
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    const context = requestContextOf(request);
    if (context) write(context, 499, undefined, 'request aborted by the client');
    done();
  });
}
