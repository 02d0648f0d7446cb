import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuthenticatedRequest } from '../../policies/request-principal';
import { isPublicRoute } from '../../policies/route-policy';

/**
 * Rate limit per API key (not per route, not per IP): runs after authentication, so every
 * request it counts on an authenticated route belongs to a known key. Public routes other than
 * the health probes (e.g. token-authenticated callbacks) are counted per client IP; health probes
 * are never throttled.
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const path = context.switchToHttp().getRequest<{ url?: string }>().url?.split('?')[0] ?? '';
    return isPublicRoute(this.reflector, context) && (path === '/health' || path.startsWith('/health/'));
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const principal = (req as unknown as AuthenticatedRequest).principal;
    return principal ? `key:${principal.keyId}` : `ip:${String(req.ip)}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }
}
