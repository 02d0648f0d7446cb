import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { isValidCron } from '../../jobs/cron-schedule';
import { JobDispatcher } from '../../jobs/job-dispatcher';
import { JobHandlerRegistry } from '../../jobs/job-handler-registry';
import { SYSTEM_ACTOR } from '../../policies/principal';
import { RetentionPlanSource } from './retention-plan.source';
import { RetentionService } from './retention.service';
import { RetentionRunInProgress } from './retention.errors';

export const RETENTION_SCHEDULED_JOB = 'retention.scheduled';
const SCHEDULE_PREFIX = 'retention-';
const REFRESH_MS = 15 * 60 * 1000;

/**
 * One recurring schedule per system (its cron, else RETENTION_DEFAULT_CRON), refreshed from the
 * register periodically. A firing creates a run whose schedule key is unique, so a duplicate
 * firing (two instances, a re-delivered job) never runs twice.
 */
@Injectable()
export class RetentionScheduler implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RetentionScheduler');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly jobs: JobDispatcher,
    private readonly registry: JobHandlerRegistry,
    private readonly plans: RetentionPlanSource,
    private readonly retention: RetentionService,
  ) {}

  onModuleInit(): void {
    this.registry.register<{ systemCode: string; firedAt?: string }>(RETENTION_SCHEDULED_JOB, (data) =>
      this.fire(data.systemCode, data.firedAt ?? new Date().toISOString()),
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.RETENTION_SCHEDULER === 'off') return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    try {
      const systems = new Map<string, string>();
      for (const plan of await this.plans.getRetentionPlan()) {
        const cron = plan.system.retentionSchedule;
        systems.set(plan.system.code, cron && isValidCron(cron) ? cron : this.config.RETENTION_DEFAULT_CRON);
      }
      const ids: string[] = [];
      for (const [code, cron] of systems) {
        const id = `${SCHEDULE_PREFIX}${code}`;
        ids.push(id);
        await this.jobs.upsertSchedule({
          id,
          cron,
          jobName: RETENTION_SCHEDULED_JOB,
          data: { systemCode: code },
        });
      }
      await this.jobs.pruneSchedules(SCHEDULE_PREFIX, ids);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'Retention schedules not refreshed');
    }
  }

  async fire(systemCode: string, firedAt: string): Promise<void> {
    try {
      await this.retention.createRun({ system: systemCode, dryRun: false }, SYSTEM_ACTOR, {
        kind: 'scheduled',
        scheduleKey: `${systemCode}@${firedAt}`,
      });
    } catch (err) {
      const duplicate = (err as { driverError?: { code?: string } }).driverError?.code === '23505';
      if (duplicate || err instanceof RetentionRunInProgress) return;
      throw err;
    }
  }
}
