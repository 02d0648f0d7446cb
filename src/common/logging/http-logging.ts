import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from 'pino-http';
import { requestIdFor } from '../request-context';
import { serializeError } from './error-serializer';

/** The request's path as the client sent it: middie strips a middleware's mount path from `url`. */
function pathOf(req: IncomingMessage & { originalUrl?: string }): string {
  return req.originalUrl ?? req.url ?? '';
}

/**
 * pino-http's options: one access line per request, without credentials, bodies or the response's
 * headers (the security headers are the same on every answer and made each line ~1 KB), none for
 * the liveness probe, and the answered access checks at debug.
 */
export function httpLoggingOptions(level: string): Options {
  return {
    level,
    genReqId: (req, res) => {
      const id = requestIdFor(req);
      res.setHeader('X-Request-Id', id);
      return id;
    },
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
    // Answered access checks are the hot path (thousands a second) and each is already in the
    // audit trail with its request id: their access line is debug. Failures stay loud. A 503 is a
    // refusal during an outage: HttpErrorFilter summarises them (first one with its stack, then
    // counts), so one line per refused request would only rebuild the flood.
    customLogLevel: (req, res: ServerResponse, err) =>
      res.statusCode === 503
        ? 'silent'
        : err || res.statusCode >= 500
          ? 'error'
          : res.statusCode >= 400
            ? 'warn'
            : pathOf(req).startsWith('/access/check')
              ? 'debug'
              : 'info',
    // Load balancers and orchestrators probe liveness every few seconds: no line for it.
    autoLogging: { ignore: (req) => pathOf(req) === '/health' || pathOf(req).startsWith('/health?') },
  };
}
