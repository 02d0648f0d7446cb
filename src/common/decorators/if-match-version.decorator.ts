import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { domainError, ErrorKind } from '../errors/domain-error';

export class InvalidIfMatch extends domainError('INVALID_IF_MATCH', ErrorKind.Invalid) {}

/** Parses If-Match: "3" (or W/"3", or 3) to 3 for optimistic concurrency; absent: undefined. */
export function parseIfMatch(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(value.trim());
  if (!m) throw new InvalidIfMatch('If-Match must be the expected version number, e.g. "3"');
  return Number(m[1]);
}

export const IfMatchVersion = createParamDecorator((_: unknown, ctx: ExecutionContext): number | undefined =>
  parseIfMatch(ctx.switchToHttp().getRequest<FastifyRequest>().headers['if-match']),
);
