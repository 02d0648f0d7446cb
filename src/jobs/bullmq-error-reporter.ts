import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RepeatedFailureSummariser } from '../common/logging/repeated-failure-summariser';
import { JOBS_QUEUE } from './jobs-queue';

/**
 * BullMQ emits 'error' on its queues and workers when Redis goes away (every reconnection
 * attempt); with no listener it prints the raw error and stack with console.error, outside the
 * JSON log. Every such error comes here instead: logged through pino, the first of a kind with its
 * stack, the next ones counted per interval (Redis down retries every 2 s per connection).
 */
@Injectable()
export class BullMqErrorReporter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Jobs');
  private readonly summary = new RepeatedFailureSummariser(this.logger, 'Redis errors (BullMQ)');

  constructor(@InjectQueue(JOBS_QUEUE) private readonly queue: Queue) {}

  onModuleInit(): void {
    this.queue.on('error', (err) => this.report(err));
  }

  onModuleDestroy(): void {
    this.summary.stop();
  }

  /** Also the worker's 'error' listener (JobsProcessor). */
  report(err: unknown): void {
    const code = (err as { code?: unknown } | null)?.code;
    this.summary.record(typeof code === 'string' ? `REDIS_${code}` : 'REDIS_ERROR', err);
  }
}
