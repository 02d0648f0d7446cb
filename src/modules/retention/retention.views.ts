import type { ManualTaskResponseDto } from './dto/executor-callbacks.dto';
import type { RetentionRunDatasetDto, RetentionRunResponseDto } from './dto/retention-run.dto';
import type { ManualTaskEntity } from './entities/manual-task.entity';
import type { RetentionRunDatasetEntity } from './entities/retention-run-dataset.entity';
import type { RetentionRunEntity } from './entities/retention-run.entity';
import { ARCHIVE_EXPIRED, ARCHIVE_MOVED } from './executors/postgres/archive-sql';
import { datasetCounts } from './ledger/run-dataset.repository';

/** The API's views of runs and manual tasks (never the entities). */

function toDatasetView(d: RetentionRunDatasetEntity): RetentionRunDatasetDto {
  return {
    system: d.systemCode,
    datasetId: d.datasetId,
    dataset: d.datasetName,
    executor: d.executor,
    status: d.status,
    ...datasetCounts(d),
    sampleKeys: d.sampleKeys,
    exemptions: d.exemptions,
    kept: Object.entries(d.rowsKept ?? {})
      .filter(([reason]) => reason !== ARCHIVE_MOVED && reason !== ARCHIVE_EXPIRED)
      .map(([reason, rows]) => ({ reason, rows: Number(rows) }))
      .sort((a, b) => a.reason.localeCompare(b.reason)),
    // The archive's counts ride on the per-reason map (one guarded ledger write; ADR 0052).
    archived: Number(d.rowsKept?.[ARCHIVE_MOVED] ?? 0),
    archiveDeleted: Number(d.rowsKept?.[ARCHIVE_EXPIRED] ?? 0),
    error: d.error,
    startedAt: d.startedAt,
    finishedAt: d.finishedAt,
  };
}

export function toRunView(
  run: RetentionRunEntity,
  datasets: RetentionRunDatasetEntity[],
): RetentionRunResponseDto {
  const views = datasets.map(toDatasetView);
  const sum = (k: 'scanned' | 'deleted' | 'anonymised' | 'held' | 'undated' | 'errors') =>
    views.reduce((n, d) => n + d[k], 0);
  return {
    id: run.id,
    kind: run.kind,
    status: run.status,
    dryRun: run.dryRun,
    system: run.systemCode,
    datasetId: run.datasetId,
    cancelRequested: run.cancelRequested,
    requestedBy: run.requestedBy,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    error: run.error,
    totals: {
      scanned: sum('scanned'),
      deleted: sum('deleted'),
      anonymised: sum('anonymised'),
      held: sum('held'),
      undated: sum('undated'),
      errors: sum('errors'),
    },
    datasets: views,
  };
}

/** `subjectScoped`: the task's run concerns listed subjects only (see ManualTaskEntity.subjectIds). */
export function toTaskView(t: ManualTaskEntity, subjectScoped: boolean): ManualTaskResponseDto {
  return {
    id: t.id,
    runId: t.runId,
    system: t.systemCode,
    dataset: t.datasetName,
    instructions: t.instructions,
    subjectIds: subjectScoped ? t.subjectIds : null,
    excludeSubjectIds: subjectScoped ? [] : (t.subjectIds ?? []),
    status: t.status,
    deleted: t.rowsDeleted,
    anonymised: t.rowsAnonymised,
    note: t.note,
    completedBy: t.completedBy,
    completedAt: t.completedAt,
    createdAt: t.createdAt,
  };
}
