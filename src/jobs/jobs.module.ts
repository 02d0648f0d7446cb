import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import type { RedisOptions } from 'ioredis';
import { AppConfig } from '../config/app-config';
import { REDIS_DISCONNECT_TIMEOUT_MS } from '../config/redis-client-options';
import { BullMqErrorReporter } from './bullmq-error-reporter';
import { BullMqJobDispatcher, JOBS_QUEUE, JobsProcessor } from './bullmq-job-dispatcher';
import { InProcessJobDispatcher } from './in-process-job-dispatcher';
import { JobDispatcher } from './job-dispatcher';
import { JobHandlerRegistry } from './job-handler-registry';

/**
 * Job infrastructure: BullMQ on Redis when REDIS_URL is set, in-process dispatch of the same
 * handlers otherwise. Handlers register with JobHandlerRegistry; producers use JobDispatcher.
 */
@Global()
@Module({})
export class JobsModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (config.inProcessJobs) {
      return {
        module: JobsModule,
        providers: [
          JobHandlerRegistry,
          InProcessJobDispatcher,
          { provide: JobDispatcher, useExisting: InProcessJobDispatcher },
        ],
        exports: [JobHandlerRegistry, JobDispatcher],
      };
    }
    const providers: Provider[] = [
      JobHandlerRegistry,
      BullMqErrorReporter,
      BullMqJobDispatcher,
      { provide: JobDispatcher, useExisting: BullMqJobDispatcher },
    ];
    if (config.JOBS_INLINE_WORKER) providers.push(JobsProcessor);
    return {
      module: JobsModule,
      imports: [
        BullModule.forRoot({
          connection: redisOptionsFromUrl(config.REDIS_URL!),
          prefix: config.REDIS_PREFIX,
        }),
        BullModule.registerQueue({ name: JOBS_QUEUE }),
      ],
      providers,
      exports: [JobHandlerRegistry, JobDispatcher],
    };
  }
}

/** BullMQ takes ioredis options, not a URL. */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: db ? Number(db) : undefined,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    // Redis down must not spin: retry with a capped delay, and let callers time out.
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
    disconnectTimeout: REDIS_DISCONNECT_TIMEOUT_MS,
  };
}
