import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

interface RequestContextState {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContextState>();

/** The id of the HTTP request being served (also in every log line and the audit trail). */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a caller's X-Request-Id when it is well-formed (for tracing across systems), else makes one. */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
}

/** Middleware (raw Node request and response: Nest runs middleware before Fastify wraps them). */
export function requestContextMiddleware(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const requestId = (req as IncomingMessage & { id?: string }).id?.toString() ?? requestIdFor(req);
  res.setHeader('X-Request-Id', requestId);
  storage.run({ requestId }, () => next());
}
