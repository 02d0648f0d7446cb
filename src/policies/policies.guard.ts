import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Forbidden } from './policies.errors';
import type { AuthenticatedRequest } from './request-principal';
import { isPublicRoute, requiredPolicyOf } from './route-policy';

/**
 * Second global guard, after authentication: refuses (403) a principal whose ability grants
 * nothing for the route's (action, subject[, field]). Fails closed: a non-public route that declares
 * no policy is refused for everyone (and the authorisation-matrix test fails on it).
 * Record-level conditions are applied later by services through the same ability.
 */
@Injectable()
export class PoliciesGuard implements CanActivate {
  private readonly logger = new Logger(PoliciesGuard.name);

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || isPublicRoute(this.reflector, context)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const policy = requiredPolicyOf(this.reflector, context);
    if (!policy) {
      this.logger.error(
        { route: `${context.getClass().name}.${context.getHandler().name}` },
        'Route without @CheckPolicy refused (fail closed)',
      );
      throw new Forbidden('This route declares no access policy and is closed');
    }
    if (!request.ability || !request.ability.can(policy.action, policy.subject, policy.field)) {
      const what = policy.field ? `${policy.action} ${policy.field}` : policy.action;
      throw new Forbidden(`Your roles do not allow ${what} on ${policy.subject}`);
    }
    return true;
  }
}
