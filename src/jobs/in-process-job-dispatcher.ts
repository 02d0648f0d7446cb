import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { nextCronOccurrence } from './cron-schedule';
import { JobDispatcher } from './job-dispatcher';
import { JobHandlerRegistry } from './job-handler-registry';
import type { JobOptions, JobSchedule } from './job.types';

/** setTimeout cannot wait longer than 2^31-1 ms; longer waits are re-armed. */
const MAX_TIMER_MS = 2_147_483_647;
/** How long a shutdown waits for running jobs. */
const SHUTDOWN_WAIT_MS = 15_000;

/**
 * Runs jobs in this process when no Redis is configured (embedded/single-instance mode).
 * Same handlers, same deterministic ids (a pending id is not queued twice), same retries with
 * exponential backoff; schedules are timers computed with cron-parser.
 */
@Injectable()
export class InProcessJobDispatcher extends JobDispatcher implements BeforeApplicationShutdown {
  readonly mode = 'in-process' as const;
  private readonly logger = new Logger('Jobs');
  private readonly pendingIds = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly active = new Set<Promise<void>>();
  private readonly schedules = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly registry: JobHandlerRegistry) {
    super();
  }

  async dispatch(jobName: string, data: Record<string, unknown>, options: JobOptions = {}): Promise<void> {
    if (this.closed) throw new Error('The job dispatcher is shut down');
    const handler = this.registry.get(jobName);
    if (options.jobId) {
      if (this.pendingIds.has(options.jobId)) return;
      this.pendingIds.add(options.jobId);
    }
    const attempts = Math.max(1, options.attempts ?? 1);
    const run = (attempt: number) => {
      const work = handler(data, { attempt, lastAttempt: attempt >= attempts })
        .then(() => this.release(options.jobId))
        .catch((err: unknown) => {
          if (attempt < attempts && !this.closed) {
            const wait = (options.backoffMs ?? 1_000) * 2 ** (attempt - 1);
            this.later(wait, () => run(attempt + 1));
          } else {
            this.release(options.jobId);
            this.logger.error({ err, jobName, attempt }, `Job ${jobName} failed`);
          }
        });
      this.active.add(work);
      void work.finally(() => this.active.delete(work));
    };
    this.later(options.delayMs ?? 0, () => run(1));
  }

  async upsertSchedule(schedule: JobSchedule): Promise<void> {
    this.clearSchedule(schedule.id);
    const arm = (after: Date) => {
      const at = nextCronOccurrence(schedule.cron, after);
      const wait = Math.min(MAX_TIMER_MS, Math.max(0, at.getTime() - Date.now()));
      const timer = setTimeout(() => {
        if (Date.now() + 1_000 < at.getTime()) return arm(after); // re-armed long wait
        arm(at);
        const jobId = `${schedule.id}-${at.getTime()}`;
        this.dispatch(schedule.jobName, { ...schedule.data, firedAt: at.toISOString() }, { jobId }).catch(
          (err: unknown) => this.logger.error({ err, schedule: schedule.id }, 'Scheduled job not dispatched'),
        );
      }, wait);
      timer.unref();
      this.schedules.set(schedule.id, timer);
    };
    arm(new Date());
  }

  async pruneSchedules(prefix: string, keep: string[]): Promise<void> {
    for (const id of [...this.schedules.keys()]) {
      if (id.startsWith(prefix) && !keep.includes(id)) this.clearSchedule(id);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const id of [...this.schedules.keys()]) this.clearSchedule(id);
    // Handlers watch for shutdown and stop between units of work; their state is durable.
    let deadline: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.allSettled([...this.active]),
        new Promise((r) => (deadline = setTimeout(r, SHUTDOWN_WAIT_MS))),
      ]);
    } finally {
      // Left armed, the deadline kept a stopped process (or test worker) alive for 15 s.
      clearTimeout(deadline);
    }
  }

  private later(ms: number, work: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) work();
    }, ms);
    this.timers.add(timer);
  }

  private release(jobId: string | undefined): void {
    if (jobId) this.pendingIds.delete(jobId);
  }

  private clearSchedule(id: string): void {
    const timer = this.schedules.get(id);
    if (timer) clearTimeout(timer);
    this.schedules.delete(id);
  }
}
