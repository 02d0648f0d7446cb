import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

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
export function requestIdFor(req: Request): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
}

export function requestContextMiddleware(req: Request, res: Response, next: NextFunction): void {
  const requestId = (req as Request & { id?: string }).id?.toString() ?? requestIdFor(req);
  res.setHeader('X-Request-Id', requestId);
  storage.run({ requestId }, () => next());
}
