import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { POLICY_KEY, PUBLIC_KEY, RequiredPolicy } from './check-policy.decorator';

type Targets = [
  handler: ReturnType<ExecutionContext['getHandler']>,
  controller: ReturnType<ExecutionContext['getClass']>,
];

function targetsOf(context: ExecutionContext): Targets {
  return [context.getHandler(), context.getClass()];
}

/** @Public() on the route or its controller. */
export function isPublicRoute(reflector: Reflector, context: ExecutionContext): boolean {
  return reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, targetsOf(context)) === true;
}

/** The route's @CheckPolicy (the method's wins over the controller's), if any. */
export function requiredPolicyOf(
  reflector: Reflector,
  context: ExecutionContext,
): RequiredPolicy | undefined {
  return reflector.getAllAndOverride<RequiredPolicy | undefined>(POLICY_KEY, targetsOf(context));
}
