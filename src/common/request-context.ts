import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * What a log line written while serving a request carries about it (`req` on the line, through
 * pino's mixin: src/common/logging/http-logging.ts), and the id the audit trail records.
 */
export interface RequestContextState {
  /** The request id (also the X-Request-Id answered, and the audit trail's requestId). */
  id: string;
  method: string;
  /** The path and query the client sent. */
  url: string;
}

const storage = new AsyncLocalStorage<RequestContextState>();

/** The id of the HTTP request being served (also in every log line and the audit trail). */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.id;
}

/** The request being served, if any (for the log lines written while serving it). */
export function currentRequest(): RequestContextState | undefined {
  return storage.getStore();
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a caller's X-Request-Id when it is well-formed (for tracing across systems), else makes one. */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
}

const CONTEXT = Symbol('requestContext');
type WithContext = FastifyRequest & { [CONTEXT]?: RequestContextState };

/** The context of a request (made once, by the onRequest hook). */
export function requestContextOf(request: FastifyRequest): RequestContextState | undefined {
  return (request as WithContext)[CONTEXT];
}

/**
 * The request context as one Fastify `onRequest` hook instead of middie middlewares
 * (docs/performance.md, fourth pass): it answers the X-Request-Id (Fastify's request id:
 * `genReqId` is requestIdFor) and runs the rest of the request in the context — the later hooks,
 * body parsing (Fastify runs the content-type parser's callback in an AsyncResource made in this
 * context, so a body read over several socket reads keeps it), guards, interceptors, the handler
 * and everything they await. Registered before any route (configureApp), so every route — the 404
 * handler included — runs it. http-logging.spec.ts checks a POST whose body comes in pieces.
 */
export function registerRequestContext(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const context: RequestContextState = {
      id: String(request.id),
      method: request.method,
      url: request.url,
    };
    (request as WithContext)[CONTEXT] = context;
    reply.raw.setHeader('X-Request-Id', context.id);
    storage.run(context, done);
  });
}

/** Runs `work` as if serving `context` (tests, and work started outside the hooks). */
export function runInRequestContext<T>(context: RequestContextState, work: () => T): T {
  return storage.run(context, work);
}
