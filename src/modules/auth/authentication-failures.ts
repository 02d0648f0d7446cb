import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectThrottlerStorage, normalizeIp, type ThrottlerStorage } from '@nestjs/throttler';
import { AppConfig } from '../../config/app-config';
import { SYSTEM_ACTOR } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import { AuthenticationThrottled } from './auth.errors';

const FAILURE_WINDOW_MS = 60_000;

export interface FailedAuthentication {
  reason: string;
  method: string;
  route: string;
  keyPrefix?: string;
  keyId?: string;
  principalId?: string;
}

/**
 * One count and one audit trail for every failed authentication, by Bearer key, session cookie or
 * console sign-in. Failures are counted per client IP (in the rate-limit storage: Redis when
 * configured): past AUTH_FAILURES_PER_MINUTE the caller gets 429 and a single `auth.throttled`
 * event covers the rest of the window. Valid credentials are never refused because of others'
 * failures (callers may share a NAT).
 */
@Injectable()
export class AuthenticationFailures {
  constructor(
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    @InjectThrottlerStorage() private readonly failures: ThrottlerStorage,
  ) {}

  /** Counts and records the failure; throws AuthenticationThrottled once the client is over its limit. */
  async record(clientIp: string, response: unknown, failure: FailedAuthentication): Promise<void> {
    const limit = this.config.AUTH_FAILURES_PER_MINUTE;
    const counted = await this.failures.increment(
      // IPv6 by its /64: one client can rotate addresses within its subnet.
      `auth-failures:ip:${normalizeIp(clientIp)}`,
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
          payload: {
            failuresPerMinute: limit,
            method: failure.method,
            route: failure.route,
            lastReason: failure.reason,
          },
        });
      }
      this.adapterHost.httpAdapter.setHeader(
        response,
        'Retry-After',
        String(Math.max(1, counted.timeToBlockExpire)),
      );
      throw new AuthenticationThrottled(
        'Too many failed authentications from this client; retry after the delay in Retry-After',
      );
    }
    await this.audit.append({
      type: 'auth.failed',
      actor: SYSTEM_ACTOR,
      ...(failure.principalId ? { target: { type: 'principal', id: failure.principalId } } : {}),
      payload: {
        reason: failure.reason,
        method: failure.method,
        route: failure.route,
        ...(failure.keyPrefix ? { keyPrefix: failure.keyPrefix } : {}),
        ...(failure.keyId ? { keyId: failure.keyId } : {}),
      },
    });
  }
}
