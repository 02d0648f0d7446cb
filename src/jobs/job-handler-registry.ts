import { Injectable } from '@nestjs/common';
import type { JobHandler } from './job.types';

/**
 * Job name → handler. Modules register their handlers at start-up; both dispatchers (BullMQ
 * and in-process) call the same handlers, so behaviour does not depend on the deployment.
 */
@Injectable()
export class JobHandlerRegistry {
  private readonly handlers = new Map<string, JobHandler>();

  register<T>(jobName: string, handler: JobHandler<T>): void {
    if (this.handlers.has(jobName)) throw new Error(`A handler for job "${jobName}" is already registered`);
    this.handlers.set(jobName, handler as JobHandler);
  }

  get(jobName: string): JobHandler {
    const handler = this.handlers.get(jobName);
    if (!handler) throw new Error(`No handler registered for job "${jobName}"`);
    return handler;
  }
}
