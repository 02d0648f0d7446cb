import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { POLICY_KEY, PUBLIC_KEY, RequiredPolicy } from './check-policy.decorator';

type Handler = ReturnType<ExecutionContext['getHandler']>;
type Controller = ReturnType<ExecutionContext['getClass']>;

/** What the guards need to know about a route, read from its decorators once. */
interface RouteAccess {
  isPublic: boolean;
  policy: RequiredPolicy | undefined;
}

/**
 * Per route handler (then per controller: an inherited handler can serve several), the metadata
 * the three global guards read on every request. Decorators are applied when the classes are
 * defined, so the answer cannot change while the process runs; resolving it once saves the
 * Reflector's lookups (two per guard per request) on the hot path (docs/performance.md, fourth
 * pass). Weak keys: nothing is kept for a class that goes away (test modules).
 */
const cache = new WeakMap<Handler, WeakMap<Controller, RouteAccess>>();

function accessOf(reflector: Reflector, context: ExecutionContext): RouteAccess {
  const handler = context.getHandler();
  const controller = context.getClass();
  let byController = cache.get(handler);
  if (!byController) cache.set(handler, (byController = new WeakMap()));
  let access = byController.get(controller);
  if (!access) {
    const targets: [Handler, Controller] = [handler, controller];
    access = {
      isPublic: reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, targets) === true,
      policy: reflector.getAllAndOverride<RequiredPolicy | undefined>(POLICY_KEY, targets),
    };
    byController.set(controller, access);
  }
  return access;
}

/** @Public() on the route or its controller. */
export function isPublicRoute(reflector: Reflector, context: ExecutionContext): boolean {
  return accessOf(reflector, context).isPublic;
}

/** The route's @CheckPolicy (the method's wins over the controller's), if any. */
export function requiredPolicyOf(
  reflector: Reflector,
  context: ExecutionContext,
): RequiredPolicy | undefined {
  return accessOf(reflector, context).policy;
}
