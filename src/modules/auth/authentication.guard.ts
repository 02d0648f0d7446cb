import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerStorage, normalizeIp, type ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { AbilityFactory, AppAbility } from '../../policies/ability.factory';
import { AuthenticatedPrincipal, SYSTEM_ACTOR } from '../../policies/principal';
import type { AuthenticatedRequest } from '../../policies/request-principal';
import { isPublicRoute } from '../../policies/route-policy';
import { AuditService } from '../audit/audit.service';
import { claimedPrefixOf, parseBearer } from '../principals/api-key';
import { PrincipalsService } from '../principals/principals.service';
import { AppConfig } from '../../config/app-config';
import { AuthenticationThrottled, Unauthenticated } from './auth.errors';

const FAILURE_WINDOW_MS = 60_000;

type FailureReason =
  'missing_key' | 'malformed_header' | 'unknown_key' | 'revoked' | 'expired' | 'principal_disabled';

/**
 * First global guard: every non-public route needs `Authorization: Bearer <API key>`. Sets
 * req.principal and req.ability (built from the rule table) for the policies guard and the
 * services. Every failure is recorded in the audit trail (with the key's visible prefix at most);
 * the caller learns only that it is not authenticated, never why. Failures are counted per client
 * IP (in the rate-limit storage: Redis when configured): past AUTH_FAILURES_PER_MINUTE the caller
 * gets 429 and a single `auth.throttled` event covers the rest of the window. Valid keys are never
 * refused because of others' failures (callers may share a NAT).
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly abilityOf = new WeakMap<AuthenticatedPrincipal, AppAbility>();

  constructor(
    private readonly reflector: Reflector,
    private readonly principals: PrincipalsService,
    private readonly abilities: AbilityFactory,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    @InjectThrottlerStorage() private readonly failures: ThrottlerStorage,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || isPublicRoute(this.reflector, context)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const response = http.getResponse<FastifyReply>();
    const bearer = parseBearer(request.headers.authorization);
    if (bearer.kind !== 'present') {
      return this.refuse(request, response, bearer.kind === 'missing' ? 'missing_key' : 'malformed_header');
    }
    const outcome = await this.principals.authenticate(bearer.key);
    if (!outcome.ok) {
      return this.refuse(request, response, outcome.reason, {
        keyPrefix: outcome.keyPrefix ?? claimedPrefixOf(bearer.key),
        keyId: outcome.keyId,
        principalId: outcome.principalId,
      });
    }
    request.principal = outcome.principal;
    // A cached credential comes back as the same object: its ability (immutable) is reused too.
    let ability = this.abilityOf.get(outcome.principal);
    if (!ability)
      this.abilityOf.set(outcome.principal, (ability = this.abilities.createFor(outcome.principal)));
    request.ability = ability;
    return true;
  }

  private async refuse(
    request: AuthenticatedRequest,
    response: FastifyReply,
    reason: FailureReason,
    key: { keyPrefix?: string; keyId?: string; principalId?: string } = {},
  ): Promise<never> {
    const route = request.routeOptions.url ?? request.url.split('?')[0];
    const limit = this.config.AUTH_FAILURES_PER_MINUTE;
    const counted = await this.failures.increment(
      // IPv6 by its /64: one client can rotate addresses within its subnet.
      `auth-failures:ip:${normalizeIp(String(request.ip))}`,
      FAILURE_WINDOW_MS,
      limit,
      FAILURE_WINDOW_MS,
      'auth-failures',
    );
    if (counted.isBlocked) {
      // The failure that crossed the limit is the one recorded; those after it only count.
      if (counted.totalHits === limit + 1) {
        await this.audit.append({
          type: 'auth.throttled',
          actor: SYSTEM_ACTOR,
          payload: { failuresPerMinute: limit, method: request.method, route, lastReason: reason },
        });
      }
      void response.header('Retry-After', String(Math.max(1, counted.timeToBlockExpire)));
      throw new AuthenticationThrottled(
        'Too many failed authentications from this client; retry after the delay in Retry-After',
      );
    }
    await this.audit.append({
      type: 'auth.failed',
      actor: SYSTEM_ACTOR,
      ...(key.principalId ? { target: { type: 'principal', id: key.principalId } } : {}),
      payload: {
        reason,
        method: request.method,
        route,
        ...(key.keyPrefix ? { keyPrefix: key.keyPrefix } : {}),
        ...(key.keyId ? { keyId: key.keyId } : {}),
      },
    });
    void response.header(
      'WWW-Authenticate',
      reason === 'missing_key' ? 'Bearer realm="finalite"' : 'Bearer realm="finalite", error="invalid_token"',
    );
    throw new Unauthenticated(
      reason === 'missing_key'
        ? 'Authentication required: send Authorization: Bearer <API key>'
        : 'The API key is invalid, expired or revoked',
    );
  }
}
