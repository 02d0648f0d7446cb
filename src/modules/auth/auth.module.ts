import { Module } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import { ThrottlerModule, ThrottlerModuleOptions } from '@nestjs/throttler';
import { AppConfig } from '../../config/app-config';
import { Action } from '../../policies/action.enum';
import { PoliciesGuard } from '../../policies/policies.guard';
import { requiredPolicyOf } from '../../policies/route-policy';
import { PrincipalsModule } from '../principals/principals.module';
import { ApiKeyThrottlerGuard } from './api-key-throttler.guard';
import { AuthenticationGuard } from './authentication.guard';
import { AuthenticationFailures } from './authentication-failures';
import { BootstrapAdminService } from './bootstrap-admin.service';
import { SessionController } from './sessions/session.controller';
import { SessionRepository } from './sessions/session.repository';
import { SessionService } from './sessions/session.service';
import { MemoryRateLimitStorage, SharedRateLimitStorage } from './rate-limit.storage';

const reflector = new Reflector();

/** Access checks are the hot path (thousands per second from one application): their own, higher limit. */
function isAccessCheck(context: ExecutionContext): boolean {
  const policy = requiredPolicyOf(reflector, context); // resolved once per route
  return policy?.subject === 'AccessDecision' && policy.action === Action.Execute;
}

function rateLimitOptions(config: AppConfig): ThrottlerModuleOptions {
  return {
    throttlers: [
      { name: 'default', ttl: 60_000, limit: config.RATE_LIMIT_PER_MINUTE, skipIf: isAccessCheck },
      {
        name: 'access-check',
        ttl: 60_000,
        limit: config.ACCESS_CHECK_RATE_LIMIT_PER_MINUTE,
        skipIf: (context) => !isAccessCheck(context),
      },
    ],
    errorMessage: 'Too many requests for this API key; retry after the delay in Retry-After',
    // Without Redis, counters are per instance (fine for the embedded, single-instance mode).
    storage: config.REDIS_URL
      ? new SharedRateLimitStorage(config.REDIS_URL, config.REDIS_PREFIX)
      : new MemoryRateLimitStorage(),
  };
}

/**
 * Authentication and authorisation on every route. The global guards run in this order:
 * authentication (Bearer key or console session → principal + ability), rate limit per key, policies (CASL).
 * All of them run before validation pipes, so an unauthorised caller never learns more than 401/403.
 */
@Module({
  imports: [
    PrincipalsModule,
    ThrottlerModule.forRootAsync({ inject: [AppConfig], useFactory: rateLimitOptions }),
  ],
  controllers: [SessionController],
  providers: [
    BootstrapAdminService,
    AuthenticationFailures,
    SessionRepository,
    SessionService,
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard },
    { provide: APP_GUARD, useClass: PoliciesGuard },
  ],
})
export class AuthModule {}
