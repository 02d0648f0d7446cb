import type { JobOptions, JobSchedule } from './job.types';

/**
 * Queues jobs and recurring schedules. Implemented with BullMQ when REDIS_URL is set and in
 * process otherwise (docs/adr/0030-job-infrastructure.md). Dispatch is best effort: callers
 * keep the durable state in PostgreSQL and re-dispatch what a lost job left unfinished.
 */
export abstract class JobDispatcher {
  abstract readonly mode: 'bullmq' | 'in-process';

  /** Resolves once the job is queued; rejects when the queue is unreachable. */
  abstract dispatch(jobName: string, data: Record<string, unknown>, options?: JobOptions): Promise<void>;

  /** Creates or replaces a recurring schedule (idempotent). */
  abstract upsertSchedule(schedule: JobSchedule): Promise<void>;

  /** Removes the schedules whose id starts with `prefix`, except `keep`. */
  abstract pruneSchedules(prefix: string, keep: string[]): Promise<void>;
}
