import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { JobDispatcher } from '../../jobs/job-dispatcher';
import { JobHandlerRegistry } from '../../jobs/job-handler-registry';
import {
  FINISHED_DATASET_STATUSES,
  RetentionRunDatasetEntity,
} from './entities/retention-run-dataset.entity';
import { RetentionRunEntity } from './entities/retention-run.entity';
import type { DatasetOutcome, DatasetPurge } from './executors/system-executor';
import { SystemExecutors } from './executors/system-executors';
import { WebhookDeliveryService } from './executors/webhook/webhook-delivery.service';
import { RetentionRunRepository } from './ledger/retention-run.repository';
import { RunLifecycle } from './ledger/run-lifecycle.service';
import { RunDatasetRepository } from './ledger/run-dataset.repository';
import { RunLease } from './ledger/run-lease';
import { RetentionPlanSource } from './retention-plan.source';
import { RetentionLeaseLost } from './retention.errors';

export const RETENTION_RUN_JOB = 'retention.run';
// Where other modules and the tests have always found them.
export { RETENTION_WEBHOOK_JOB, tokenHash } from './executors/webhook/webhook-delivery.service';
export { RETENTION_RUN_FINISHED_EVENT, type RetentionRunFinishedEvent } from './ledger/run-lifecycle.service';

/** The lease as the heartbeat last saw it (a renewal that matched no row sets `lost`). */
interface LeaseState {
  lost: boolean;
}

/**
 * Executes retention runs: the `retention.run` job handler. A run is claimed with a lease in
 * PostgreSQL (RunLease); its datasets are handed one after another to the executor of their
 * system's kind (executors/), a batch-by-batch purge being driven here one batch at a time.
 * The batches' exactly-once record is the PurgeBatchLedger's; the start and end of a run RunLifecycle's.
 */
@Injectable()
export class RetentionRunner implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Retention');
  private stopping = false;
  /** Runs this process is executing (a queued job and a sweep's job may arrive together). */
  private readonly active = new Set<string>();
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly jobs: JobDispatcher,
    private readonly registry: JobHandlerRegistry,
    private readonly plans: RetentionPlanSource,
    private readonly runs: RetentionRunRepository,
    private readonly datasets: RunDatasetRepository,
    private readonly lease: RunLease,
    private readonly executors: SystemExecutors,
    private readonly webhooks: WebhookDeliveryService,
    private readonly lifecycle: RunLifecycle,
  ) {}

  onModuleInit(): void {
    this.registry.register<{ runId: string }>(RETENTION_RUN_JOB, (data) => this.process(data.runId));
  }

  onApplicationBootstrap(): void {
    // PostgreSQL is the source of truth: whatever a lost job or a dead worker left unfinished
    // is dispatched again at start and then periodically.
    void this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.config.RETENTION_LEASE_MS);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    this.stopping = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  async dispatch(runId: string, variant?: string, delayMs?: number): Promise<void> {
    try {
      await this.jobs.dispatch(
        RETENTION_RUN_JOB,
        { runId },
        { jobId: `retention-run-${runId}${variant ? `-${variant}` : ''}`, delayMs },
      );
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, runId }, 'Run not queued; the sweep will retry');
    }
  }

  /**
   * Re-dispatches queued runs and running runs whose lease expired; fails the webhook datasets
   * whose callback deadline passed and re-sends the webhook deliveries whose job was lost.
   */
  async sweep(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.webhooks.sweep();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'Retention webhook sweep failed');
    }
    try {
      const ids = await this.runs.orphaned();
      const epoch = Math.floor(Date.now() / this.config.RETENTION_LEASE_MS);
      for (const id of ids) await this.dispatch(id, `s${epoch}`);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'Retention sweep failed');
    }
  }

  /** The job handler: runs (or resumes) one run as far as this process can take it. */
  async process(runId: string): Promise<void> {
    if (this.stopping || this.active.has(runId)) return;
    this.active.add(runId);
    try {
      await this.processClaimed(runId);
    } finally {
      this.active.delete(runId);
    }
  }

  private async processClaimed(runId: string): Promise<void> {
    if (!(await this.lease.claim(runId))) return;
    const run = await this.runs.findOrFail(runId);
    const lease: LeaseState = { lost: false };
    const heartbeat = setInterval(
      () => {
        void this.lease.renew(runId).then(
          (ok) => (lease.lost = lease.lost || !ok),
          () => undefined,
        );
      },
      Math.max(200, Math.floor(this.config.RETENTION_LEASE_MS / 3)),
    );
    try {
      if (!run.startedAt) await this.lifecycle.markStarted(run);
      for (const rd of await this.datasets.ofRuns([runId])) {
        if (FINISHED_DATASET_STATUSES.includes(rd.status) || rd.status === 'waiting') continue;
        if (this.stopping) return;
        if (lease.lost) throw new RetentionLeaseLost(`The lease on run ${runId} was lost`);
        if (await this.runs.cancelRequested(runId)) return await this.cancelRun(run);
        const outcome = await this.executeDataset(run, rd, lease);
        if (outcome === 'cancelled') return await this.cancelRun(run);
        if (outcome === 'stopped' || outcome === 'retry') return;
        if (outcome === 'busy') {
          // Another run is purging this dataset: come back shortly (one run per dataset at a time).
          await this.lease.release(runId);
          await this.dispatch(runId, `b${Date.now()}`, 2_000);
          return;
        }
      }
      await this.lifecycle.finishIfDone(runId);
    } catch (err) {
      if (err instanceof RetentionLeaseLost) {
        // Another worker owns the run now: this one stops, and changes nothing more.
        this.logger.warn({ runId }, 'Retention run lease lost; its new owner carries on');
      } else {
        this.logger.error({ err, runId }, 'Retention run interrupted; it will be resumed');
      }
    } finally {
      clearInterval(heartbeat);
      await this.lease.release(runId).catch(() => undefined);
    }
  }

  private async executeDataset(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    lease: LeaseState,
  ): Promise<DatasetOutcome> {
    const [plan] = await this.plans.getRetentionPlan({ datasetId: rd.datasetId });
    // A batch a crash left `prepared` is resolved before anything may end the dataset (removed
    // dataset, no connection string, unreachable database, refused rule): its deletes may have
    // committed in the customer database, and must be counted and audited first.
    const settled = (await this.executors.of(rd.executor)?.settle(run, rd, plan ?? null)) ?? 'settled';
    if (settled !== 'settled') return settled;
    if (!plan) return this.failDataset(rd, 'the dataset is no longer registered');
    const executor = this.executors.of(plan.system.kind);
    if (!executor) return this.failDataset(rd, `unsupported system kind ${String(plan.system.kind)}`);
    const start = await executor.planDataset(run, rd, plan);
    return 'purge' in start ? this.drive(run, start.purge, lease) : start.outcome;
  }

  /** Drives a purge batch by batch until it ends, the worker stops or the lease is lost. */
  private async drive(
    run: RetentionRunEntity,
    purge: DatasetPurge,
    lease: LeaseState,
  ): Promise<DatasetOutcome> {
    for (;;) {
      if (this.stopping) {
        await purge.stop();
        return 'stopped';
      }
      // Checked every batch, not only between datasets: a worker that lost its lease must not
      // start another batch (the pending one is resolved by the new owner from its prepared row).
      if (lease.lost) throw new RetentionLeaseLost(`The lease on run ${run.id} was lost`);
      const step = await purge.nextBatch();
      if (step === 'again') continue;
      if (step !== 'next') return step;
      if (this.config.RETENTION_BATCH_PAUSE_MS > 0) await sleep(this.config.RETENTION_BATCH_PAUSE_MS);
    }
  }

  private async failDataset(rd: RetentionRunDatasetEntity, message: string): Promise<DatasetOutcome> {
    rd.status = 'failed';
    await this.datasets.fail(rd.id, message);
    return 'done';
  }

  /**
   * Cancels what is left of the run once no batch of it is left `prepared`: a crash may have
   * left one whose deletes committed, and cancelling first would end its dataset uncounted.
   * While one cannot be resolved, the cancel stays requested and the run is resumed later.
   */
  private async cancelRun(run: RetentionRunEntity): Promise<void> {
    for (const rd of await this.datasets.unstarted(run.id)) {
      const [plan] = await this.plans.getRetentionPlan({ datasetId: rd.datasetId });
      const settled = await this.executors.of(rd.executor)?.settle(run, rd, plan ?? null);
      if (settled === 'retry') return;
    }
    await this.lifecycle.cancelRemaining(run.id);
  }
}
