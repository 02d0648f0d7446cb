import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { BullMqErrorReporter } from './bullmq-error-reporter';
import { JOBS_QUEUE } from './jobs-queue';
import { JobDispatcher } from './job-dispatcher';
import { JobHandlerRegistry } from './job-handler-registry';
import type { JobOptions, JobSchedule } from './job.types';

export { JOBS_QUEUE };

/** How long a dispatch may wait for Redis before the caller falls back on its durable state. */
const DISPATCH_TIMEOUT_MS = 3_000;

/** Queues jobs on BullMQ (REDIS_URL set). Schedules are BullMQ job schedulers. */
@Injectable()
export class BullMqJobDispatcher extends JobDispatcher {
  readonly mode = 'bullmq' as const;

  constructor(@InjectQueue(JOBS_QUEUE) private readonly queue: Queue) {
    super();
  }

  async dispatch(jobName: string, data: Record<string, unknown>, options: JobOptions = {}): Promise<void> {
    await withTimeout(
      this.queue.add(jobName, data, {
        jobId: options.jobId,
        delay: options.delayMs,
        attempts: options.attempts ?? 1,
        backoff: options.backoffMs ? { type: 'exponential', delay: options.backoffMs } : undefined,
        // Completed ids are removed so the same deterministic id can be queued again later
        // (a resumed run); pending ids still deduplicate.
        removeOnComplete: true,
        removeOnFail: 1_000,
      }),
      `queue ${jobName}`,
    );
  }

  async upsertSchedule(schedule: JobSchedule): Promise<void> {
    await withTimeout(
      this.queue.upsertJobScheduler(
        schedule.id,
        { pattern: schedule.cron, tz: 'UTC' },
        {
          name: schedule.jobName,
          data: schedule.data,
          opts: { removeOnComplete: true, removeOnFail: 1_000 },
        },
      ),
      `schedule ${schedule.id}`,
    );
  }

  async pruneSchedules(prefix: string, keep: string[]): Promise<void> {
    const schedulers = await withTimeout(this.queue.getJobSchedulers(0, -1), 'list schedules');
    for (const s of schedulers) {
      const id = s.key;
      if (id.startsWith(prefix) && !keep.includes(id)) await this.queue.removeJobScheduler(id);
    }
  }
}

/** Consumes the queue in this process (the API when JOBS_INLINE_WORKER, and src/worker.ts). */
@Processor(JOBS_QUEUE, { concurrency: 4 })
export class JobsProcessor extends WorkerHost {
  constructor(
    private readonly registry: JobHandlerRegistry,
    private readonly errors: BullMqErrorReporter,
  ) {
    super();
  }

  /** Without a listener BullMQ prints worker errors (Redis gone) raw on stderr. */
  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.errors.report(err);
  }

  async process(job: Job<Record<string, unknown>>): Promise<void> {
    const attempts = job.opts.attempts ?? 1;
    const attempt = job.attemptsMade + 1;
    // A scheduler's job carries its fire time so that a handler can deduplicate on it.
    const data = job.repeatJobKey
      ? { ...job.data, firedAt: new Date(scheduledAt(job)).toISOString() }
      : job.data;
    await this.registry.get(job.name)(data, { attempt, lastAttempt: attempt >= attempts });
  }
}

/** The fire time of a scheduler's job (its deterministic id is `repeat:<scheduler>:<millis>`). */
function scheduledAt(job: Job): number {
  const prevMillis = (job.opts as { prevMillis?: number }).prevMillis;
  return prevMillis ?? job.timestamp + (job.opts.delay ?? 0);
}

async function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer in time (${what})`)),
      DISPATCH_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
