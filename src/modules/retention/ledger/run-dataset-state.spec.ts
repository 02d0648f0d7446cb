import {
  canTransition,
  DATASET_TRANSITIONS,
  DatasetTransition,
  nextStatus,
  RefusedDatasetTransition,
  RunDatasetStatus,
} from './run-dataset-state';

const STATUSES: RunDatasetStatus[] = ['pending', 'running', 'waiting', 'completed', 'failed', 'cancelled'];

/** Written out by hand (not derived from the table): the expected graph, status by status. */
const ALLOWED: Record<DatasetTransition, Partial<Record<RunDatasetStatus, RunDatasetStatus>>> = {
  markRunning: { pending: 'running', running: 'running' },
  awaitCallback: { pending: 'waiting', running: 'waiting' },
  complete: { running: 'completed', waiting: 'completed' },
  fail: { pending: 'failed', running: 'failed', waiting: 'failed' },
  cancel: { pending: 'cancelled', running: 'cancelled', waiting: 'cancelled' },
};

describe('the dataset state machine', () => {
  const cases = (Object.keys(ALLOWED) as DatasetTransition[]).flatMap((t) =>
    STATUSES.map((from) => ({ t, from, to: ALLOWED[t][from] })),
  );

  it.each(cases.filter((c) => c.to))('$t from $from leads to $to', ({ t, from, to }) => {
    expect(canTransition(from, t)).toBe(true);
    expect(nextStatus(from, t)).toBe(to);
  });

  it.each(cases.filter((c) => !c.to))('$t from $from is refused', ({ t, from }) => {
    expect(canTransition(from, t)).toBe(false);
    expect(() => nextStatus(from, t)).toThrow(RefusedDatasetTransition);
  });

  it('never leaves a finished status', () => {
    for (const t of Object.keys(DATASET_TRANSITIONS) as DatasetTransition[]) {
      for (const from of ['completed', 'failed', 'cancelled'] as const)
        expect(canTransition(from, t)).toBe(false);
    }
  });

  it('names every transition the table holds, and no other', () => {
    expect(Object.keys(DATASET_TRANSITIONS).sort()).toEqual(Object.keys(ALLOWED).sort());
  });
});
