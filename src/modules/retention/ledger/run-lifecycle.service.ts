import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Actor, SYSTEM_ACTOR } from '../../../policies/principal';
import { AuditService } from '../../audit/audit.service';
import type { RetentionRunEntity, RetentionRunStatus } from '../entities/retention-run.entity';
import { ManualTaskRepository } from '../executors/manual/manual-task.repository';
import { RetentionRunRepository } from './retention-run.repository';
import { datasetCounts, RunDatasetRepository } from './run-dataset.repository';

/** In-process event after a run reaches a final status (erasure requests follow their run). */
export const RETENTION_RUN_FINISHED_EVENT = 'retention.run.finished';

export interface RetentionRunFinishedEvent {
  runId: string;
  kind: string;
  status: RetentionRunStatus;
}

/** A run's start and end: its status follows its datasets'; a cancel ends what is left of it. */
@Injectable()
export class RunLifecycle {
  constructor(
    private readonly runs: RetentionRunRepository,
    private readonly datasets: RunDatasetRepository,
    private readonly tasks: ManualTaskRepository,
    private readonly audit: AuditService,
    private readonly events: EventEmitter2,
  ) {}

  /** The first time a worker takes the run (`retention.run.started`). */
  async markStarted(run: RetentionRunEntity): Promise<void> {
    await this.runs.transaction(async (m) => {
      await this.runs.markStarted(m, run.id);
      await this.audit.recordInTransaction(m, {
        type: 'retention.run.started',
        actor: SYSTEM_ACTOR,
        target: { type: 'retention_run', id: run.id },
        payload: { kind: run.kind, dryRun: run.dryRun, system: run.systemCode, datasetId: run.datasetId },
      });
    });
  }

  /** Cancels what is left of a run (requested by the API; seen between batches). */
  async cancelRemaining(runId: string, actor: Actor = SYSTEM_ACTOR): Promise<void> {
    await this.runs.transaction(async (m) => {
      await this.datasets.transition({ runId }, 'cancel', { callbackTokenHash: null }, { m });
      await this.tasks.cancelOpen(m, runId);
    });
    await this.finishIfDone(runId, actor);
  }

  /** Closes the run once every dataset is finished; `waiting` while callbacks or tasks are open. */
  async finishIfDone(runId: string, actor: Actor = SYSTEM_ACTOR): Promise<void> {
    const finished = await this.runs.transaction(async (m) => {
      const run = await this.runs.lockForUpdate(m, runId);
      if (!run || ['completed', 'failed', 'cancelled'].includes(run.status)) return null;
      const datasets = await this.datasets.ofRuns([runId], m);
      if (datasets.some((d) => d.status === 'pending' || d.status === 'running')) return null;
      if (datasets.some((d) => d.status === 'waiting')) {
        if (run.status !== 'waiting') await this.runs.setStatus(m, runId, 'waiting');
        return null;
      }
      const status: RetentionRunStatus = datasets.some((d) => d.status === 'cancelled')
        ? 'cancelled'
        : datasets.some((d) => d.status === 'failed')
          ? 'failed'
          : 'completed';
      const failures = datasets
        .filter((d) => d.status === 'failed')
        .map((d) => `${d.datasetName}: ${d.error}`);
      await this.runs.finish(m, runId, status, failures.length ? failures.join('; ').slice(0, 4000) : null);
      await this.audit.recordInTransaction(m, {
        type: `retention.run.${status}`,
        actor,
        target: { type: 'retention_run', id: runId },
        payload: {
          kind: run.kind,
          dryRun: run.dryRun,
          datasets: datasets.map((d) => ({
            system: d.systemCode,
            datasetId: d.datasetId,
            dataset: d.datasetName,
            status: d.status,
            ...datasetCounts(d),
            error: d.error,
          })),
        },
      });
      return { runId, kind: run.kind, status };
    });
    if (finished)
      this.events.emit(RETENTION_RUN_FINISHED_EVENT, finished satisfies RetentionRunFinishedEvent);
  }
}
