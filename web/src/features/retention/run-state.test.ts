import { describe, expect, it } from 'vitest';
import {
  batchesSoFar,
  canCancel,
  datasetProgress,
  isTerminal,
  keptRows,
  overdueRows,
  realRunAfter,
  type OverdueDataset,
  type RetentionRun,
} from './run-state';

const counts = { scanned: 7, deleted: 1, anonymised: 2, held: 1, undated: 1, errors: 0 };
function run(over: Partial<RetentionRun> = {}): RetentionRun {
  return {
    id: 'r1',
    kind: 'on_demand',
    status: 'running',
    dryRun: true,
    system: 'crm',
    datasetId: null,
    cancelRequested: false,
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: null,
    finishedAt: null,
    error: null,
    requestedBy: { id: 'p', name: 'DPO', type: 'principal' },
    totals: counts,
    datasets: [],
    ...over,
  };
}
const dataset = (status: RetentionRun['datasets'][number]['status'], batches = 0) => ({
  dataset: 'public.customers',
  datasetId: 'd1',
  system: 'crm',
  executor: 'postgres' as const,
  status,
  batches,
  ...counts,
  kept: [],
  archived: 0,
  archiveDeleted: 0,
  error: null,
  exemptions: [],
  sampleKeys: [],
  startedAt: null,
  finishedAt: null,
});

describe('retention run state', () => {
  it('knows which statuses end a run', () => {
    expect(isTerminal('completed')).toBe(true);
    expect(isTerminal('cancelled')).toBe(true);
    expect(isTerminal('failed')).toBe(true);
    expect(isTerminal('running')).toBe(false);
    expect(isTerminal('waiting')).toBe(false);
    expect(isTerminal(undefined)).toBe(false);
  });

  it('offers cancel only while the run may still act and nobody asked', () => {
    expect(canCancel(run())).toBe(true);
    expect(canCancel(run({ cancelRequested: true }))).toBe(false);
    expect(canCancel(run({ status: 'completed' }))).toBe(false);
  });

  it('measures progress by finished datasets and counts batches', () => {
    const r = run({ datasets: [dataset('completed', 3), dataset('running', 2), dataset('pending')] });
    expect(datasetProgress(r)).toEqual({ done: 1, total: 3, percent: 33 });
    expect(batchesSoFar(r)).toBe(5);
    expect(datasetProgress(run({ status: 'completed' })).percent).toBe(100);
    expect(datasetProgress(run()).percent).toBe(0);
  });

  it('offers the real run with the dry run’s scope, only after a clean, completed dry run', () => {
    expect(realRunAfter(run({ status: 'completed', datasetId: 'd1' }))).toEqual({
      dryRun: false,
      system: 'crm',
      dataset: 'd1',
    });
    expect(realRunAfter(run({ status: 'running' }))).toBeNull();
    expect(realRunAfter(run({ status: 'completed', dryRun: false }))).toBeNull();
    expect(realRunAfter(run({ status: 'completed', totals: { ...counts, errors: 1 } }))).toBeNull();
    expect(realRunAfter(run({ status: 'completed', system: null }))).toEqual({ dryRun: false });
  });

  it('adds up overdue rows, an unmeasurable dataset counting nothing', () => {
    const item = (dueRows: number | null) => ({ dueRows }) as OverdueDataset;
    expect(overdueRows([item(3), item(null), item(2)])).toBe(5);
    expect(overdueRows([])).toBe(0);
  });

  it('lists the rows kept per constraint or unpurgeable field, not the archive counts or empty reasons', () => {
    const d = {
      ...dataset('completed', 1),
      kept: [
        { reason: 'constraint:payment_customer_id_fkey', rows: 3 },
        { reason: 'field:crm.customers.email', rows: 2 },
        { reason: 'archive:moved', rows: 5 },
        { reason: 'constraint:order_customer_id_fkey', rows: 0 },
      ],
    };
    expect(keptRows(d)).toEqual([
      { reason: 'constraint:payment_customer_id_fkey', rows: 3 },
      { reason: 'field:crm.customers.email', rows: 2 },
    ]);
  });
});
