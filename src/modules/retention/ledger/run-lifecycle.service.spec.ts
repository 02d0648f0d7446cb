import type { EventEmitter2 } from '@nestjs/event-emitter';
import type { EntityManager } from 'typeorm';
import type { AuditService } from '../../audit/audit.service';
import type { RetentionRunDatasetEntity } from '../entities/retention-run-dataset.entity';
import type { RetentionRunEntity, RetentionRunStatus } from '../entities/retention-run.entity';
import type { ManualTaskRepository } from '../executors/manual/manual-task.repository';
import type { RetentionRunRepository } from './retention-run.repository';
import { RETENTION_RUN_FINISHED_EVENT, RunLifecycle } from './run-lifecycle.service';
import type { RunDatasetStatus } from './run-dataset-state';
import type { RunDatasetRepository } from './run-dataset.repository';

/** RunLifecycle's rule (a run's status follows its datasets') with its repositories replaced. */
function lifecycleOver(runStatus: RetentionRunStatus, statuses: RunDatasetStatus[]) {
  const written: { status?: RetentionRunStatus; error?: string | null; audited?: string; emitted?: unknown } =
    {};
  const runs: Partial<RetentionRunRepository> = {
    transaction: <T>(work: (m: EntityManager) => Promise<T>) => work({} as EntityManager),
    lockForUpdate: () =>
      Promise.resolve({
        id: 'run-1',
        kind: 'on_demand',
        dryRun: false,
        status: runStatus,
      } as RetentionRunEntity),
    setStatus: (_m, _id, status) => {
      written.status = status;
      return Promise.resolve();
    },
    finish: (_m, _id, status, error) => {
      written.status = status;
      written.error = error;
      return Promise.resolve();
    },
  };
  const datasets: Partial<RunDatasetRepository> = {
    ofRuns: () =>
      Promise.resolve(
        statuses.map(
          (status, i) =>
            ({
              status,
              datasetName: `ds${i}`,
              error: status === 'failed' ? 'boom' : null,
            }) as RetentionRunDatasetEntity,
        ),
      ),
  };
  const audit: Partial<AuditService> = {
    recordInTransaction: (_m, event) => {
      written.audited = event.type;
      return Promise.resolve(undefined as never);
    },
  };
  const events: Partial<EventEmitter2> = {
    emit: (name: string, payload: unknown) => {
      if (name === RETENTION_RUN_FINISHED_EVENT) written.emitted = payload;
      return true;
    },
  };
  const lifecycle = new RunLifecycle(
    runs as RetentionRunRepository,
    datasets as RunDatasetRepository,
    {} as ManualTaskRepository,
    audit as AuditService,
    events as EventEmitter2,
  );
  return { lifecycle, written };
}

describe('RunLifecycle.finishIfDone', () => {
  it.each<[RunDatasetStatus[], RetentionRunStatus]>([
    [['completed', 'completed'], 'completed'],
    [['completed', 'failed'], 'failed'],
    [['failed', 'cancelled'], 'cancelled'],
    [[], 'completed'],
  ])('ends a run whose datasets are %j as %s, audited and announced', async (statuses, expected) => {
    const { lifecycle, written } = lifecycleOver('running', statuses);
    await lifecycle.finishIfDone('run-1');
    expect(written.status).toBe(expected);
    expect(written.audited).toBe(`retention.run.${expected}`);
    expect(written.emitted).toEqual({ runId: 'run-1', kind: 'on_demand', status: expected });
  });

  it('reports the failed datasets in the run error', async () => {
    const { lifecycle, written } = lifecycleOver('running', ['completed', 'failed']);
    await lifecycle.finishIfDone('run-1');
    expect(written.error).toBe('ds1: boom');
  });

  it('leaves a run with a dataset still pending or running alone', async () => {
    for (const busy of ['pending', 'running'] as const) {
      const { lifecycle, written } = lifecycleOver('running', ['completed', busy]);
      await lifecycle.finishIfDone('run-1');
      expect(written).toEqual({});
    }
  });

  it('marks a run waiting while a callback or a task is open, and ends nothing', async () => {
    const { lifecycle, written } = lifecycleOver('running', ['completed', 'waiting']);
    await lifecycle.finishIfDone('run-1');
    expect(written).toEqual({ status: 'waiting' });
  });

  it('never ends a run twice', async () => {
    const { lifecycle, written } = lifecycleOver('completed', ['completed']);
    await lifecycle.finishIfDone('run-1');
    expect(written).toEqual({});
  });
});
