import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { assertBatchSize } from './access.errors';

/**
 * Refuses an oversized batch (413) before validation: interceptors run before pipes, so a batch
 * of 100,000 checks is not validated item by item first, and an oversized batch with a bad item
 * still answers with the limit rather than a list of validation errors. AccessService keeps the
 * same check for callers other than this route.
 */
@Injectable()
export class AccessBatchLimitInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const body = context.switchToHttp().getRequest<{ body?: { checks?: unknown } }>().body;
    const checks = body?.checks;
    if (Array.isArray(checks)) assertBatchSize(checks.length);
    return next.handle();
  }
}
