import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AppAbility } from './ability.factory';
import { Forbidden } from './policies.errors';
import { Actor, actorOf, AuthenticatedPrincipal } from './principal';

/** What authentication attaches to the request. */
export interface AuthenticatedRequest extends FastifyRequest {
  principal?: AuthenticatedPrincipal;
  ability?: AppAbility;
  /** Set when a console session cookie authenticated the request (ADR 0043). */
  consoleSession?: { id: string; token: string };
}

/** The authenticated principal (undefined only on public routes). */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthenticatedPrincipal | undefined =>
    ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);

/** The caller as recorded in history and the audit trail. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor =>
  actorOf(ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal),
);

/**
 * The caller's CASL ability, for record-level rules the route-level guard cannot decide
 * (e.g. an application reads only the purposes it is authorised for). Services receive it
 * and ask it; they never re-implement a rule. Never undefined: a request without one (a public
 * route) is refused rather than handed to a service as "no restriction" (fail closed).
 */
export const CurrentAbility = createParamDecorator((_: unknown, ctx: ExecutionContext): AppAbility => {
  const ability = ctx.switchToHttp().getRequest<AuthenticatedRequest>().ability;
  if (!ability) throw new Forbidden('No authenticated principal: record-level rules cannot be applied');
  return ability;
});
