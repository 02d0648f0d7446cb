import type { Schemas } from '../../api/client';

export type RetentionRun = Schemas['RetentionRunResponseDto'];
export type RunStatus = RetentionRun['status'];
export type OverdueDataset = Schemas['OverdueDatasetDto'];

const TERMINAL: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

/** A run that will change no more: polling stops, the next step may be offered. */
export function isTerminal(status: RunStatus | undefined): boolean {
  return status !== undefined && TERMINAL.includes(status);
}

/** Cancel is offered while the run may still do something and nobody asked already. */
export function canCancel(run: RetentionRun): boolean {
  return !isTerminal(run.status) && !run.cancelRequested;
}

/** Datasets finished (whatever their outcome) out of all, for the progress bar. */
export function datasetProgress(run: RetentionRun): { done: number; total: number; percent: number } {
  const total = run.datasets.length;
  const done = run.datasets.filter((d) => ['completed', 'failed', 'cancelled'].includes(d.status)).length;
  const percent = total === 0 ? (isTerminal(run.status) ? 100 : 0) : Math.round((done / total) * 100);
  return { done, total, percent };
}

/** Batches written so far, over every dataset. */
export function batchesSoFar(run: RetentionRun): number {
  return run.datasets.reduce((sum, d) => sum + d.batches, 0);
}

/**
 * The real run to offer after a dry run: the same scope, only once the dry run completed
 * without error (its counts are what the DPO confirms).
 */
export function realRunAfter(dry: RetentionRun): Schemas['CreateRetentionRunDto'] | null {
  if (!dry.dryRun || dry.status !== 'completed' || dry.totals.errors > 0) return null;
  return {
    dryRun: false,
    ...(dry.system ? { system: dry.system } : {}),
    ...(dry.datasetId ? { dataset: dry.datasetId } : {}),
  };
}

/** Rows overdue over every measurable dataset (a dataset that cannot be measured counts 0). */
export function overdueRows(items: readonly OverdueDataset[]): number {
  return items.reduce((sum, d) => sum + (d.dueRows ?? 0), 0);
}

/**
 * Rows due that kept something, per reason: referenced by another table (anonymised instead of
 * deleted) or a field whose strategy cannot apply (ADR 0051). The archive's own counts are shown
 * apart.
 */
export function keptRows(d: RetentionRun['datasets'][number]): { reason: string; rows: number }[] {
  return d.kept.filter(
    (k) => k.rows > 0 && (k.reason.startsWith('constraint:') || k.reason.startsWith('field:')),
  );
}
