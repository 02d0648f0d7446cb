import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { AbilityFactory, AppAbility } from '../../policies/ability.factory';
import { AuthenticatedPrincipal } from '../../policies/principal';
import type { AuthenticatedRequest } from '../../policies/request-principal';
import { isPublicRoute } from '../../policies/route-policy';
import { claimedPrefixOf, parseBearer } from '../principals/api-key';
import { PrincipalAuthenticationService } from '../principals/principal-authentication.service';
import { CsrfTokenInvalid, Unauthenticated } from './auth.errors';
import { AuthenticationFailures, FailedAuthentication } from './authentication-failures';
import { csrfTokenMatches, CSRF_HEADER, isUnsafeMethod, sessionTokenFrom } from './sessions/session.model';
import { SessionService } from './sessions/session.service';

/**
 * First global guard: every non-public route needs `Authorization: Bearer <API key>` or a console
 * session cookie (ADR 0043); the key wins when both are sent. Sets req.principal and req.ability
 * (built from the rule table) for the policies guard and the services: a session authenticates as
 * the key it was opened with, under the same rules. A cookie-authenticated unsafe request must
 * carry the session's X-CSRF-Token. Every failure is recorded in the audit trail (with the key's
 * visible prefix at most) and counted per client IP (AuthenticationFailures); the caller learns
 * only that it is not authenticated, never why.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly abilityOf = new WeakMap<AuthenticatedPrincipal, AppAbility>();

  constructor(
    private readonly reflector: Reflector,
    private readonly principals: PrincipalAuthenticationService,
    private readonly sessions: SessionService,
    private readonly abilities: AbilityFactory,
    private readonly failures: AuthenticationFailures,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || isPublicRoute(this.reflector, context)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const response = http.getResponse<unknown>();
    const bearer = parseBearer(request.headers.authorization);
    if (bearer.kind === 'missing') {
      const sessionToken = sessionTokenFrom(request.headers.cookie);
      if (sessionToken) return this.authenticateSession(request, response, sessionToken);
    }
    if (bearer.kind !== 'present') {
      return this.refuse(request, response, {
        reason: bearer.kind === 'missing' ? 'missing_key' : 'malformed_header',
      });
    }
    const outcome = await this.principals.authenticate(bearer.key);
    if (!outcome.ok) {
      return this.refuse(request, response, {
        reason: outcome.reason,
        keyPrefix: outcome.keyPrefix ?? claimedPrefixOf(bearer.key),
        keyId: outcome.keyId,
        principalId: outcome.principalId,
      });
    }
    this.admit(request, outcome.principal);
    return true;
  }

  private async authenticateSession(
    request: AuthenticatedRequest,
    response: unknown,
    token: string,
  ): Promise<boolean> {
    const outcome = await this.sessions.authenticate(token);
    if (!outcome.ok) {
      // A session that ended on this request is already in the trail (session.expired/ended).
      if (outcome.reason === 'ended') throw new Unauthenticated('The session has ended: sign in again');
      return this.refuse(request, response, { reason: 'unknown_session' });
    }
    if (isUnsafeMethod(request.method) && !csrfTokenMatches(token, request.headers[CSRF_HEADER])) {
      throw new CsrfTokenInvalid(
        'A request authenticated by the session cookie must send the session’s X-CSRF-Token header',
      );
    }
    request.consoleSession = { id: outcome.sessionId, token };
    this.admit(request, outcome.principal);
    return true;
  }

  private admit(request: AuthenticatedRequest, principal: AuthenticatedPrincipal): void {
    request.principal = principal;
    // A cached credential comes back as the same object: its ability (immutable) is reused too.
    let ability = this.abilityOf.get(principal);
    if (!ability) this.abilityOf.set(principal, (ability = this.abilities.createFor(principal)));
    request.ability = ability;
  }

  private async refuse(
    request: AuthenticatedRequest,
    response: unknown,
    failure: Omit<FailedAuthentication, 'method' | 'route'>,
  ): Promise<never> {
    const route = request.routeOptions.url ?? request.url.split('?')[0];
    await this.failures.record(String(request.ip), response, { ...failure, method: request.method, route });
    this.adapterHost.httpAdapter.setHeader(
      response,
      'WWW-Authenticate',
      failure.reason === 'missing_key'
        ? 'Bearer realm="finalite"'
        : 'Bearer realm="finalite", error="invalid_token"',
    );
    throw new Unauthenticated(
      failure.reason === 'missing_key'
        ? 'Authentication required: send Authorization: Bearer <API key>'
        : failure.reason === 'unknown_session'
          ? 'The session is unknown or has ended: sign in again'
          : 'The API key is invalid, expired or revoked',
    );
  }
}
