/**
 * The dataset state machine of a retention run: every status change of a `retention_run_dataset`
 * row is one of these named transitions, and the repository writes it guarded by the statuses it
 * may leave (`WHERE status = ANY(from)`), so a late or duplicate writer changes nothing.
 *
 *   pending ──markRunning──▶ running ──complete──▶ completed
 *      │                       │  └────fail─────▶ failed
 *      └──awaitCallback──▶ waiting ──complete / fail──▶ …      (webhook callback, manual task)
 *   pending | running | waiting ──cancel──▶ cancelled
 */

export type RunDatasetStatus = 'pending' | 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled';

export const FINISHED_DATASET_STATUSES: readonly RunDatasetStatus[] = ['completed', 'failed', 'cancelled'];
/** Statuses that keep a dataset busy (one purge per dataset at a time). */
export const UNFINISHED_DATASET_STATUSES: readonly RunDatasetStatus[] = ['pending', 'running', 'waiting'];

export type DatasetTransition = 'markRunning' | 'awaitCallback' | 'complete' | 'fail' | 'cancel';

interface TransitionRule {
  from: readonly RunDatasetStatus[];
  to: RunDatasetStatus;
}

/** The one transition table. `markRunning` from running: a resumed run takes its dataset back. */
export const DATASET_TRANSITIONS: Readonly<Record<DatasetTransition, TransitionRule>> = {
  markRunning: { from: ['pending', 'running'], to: 'running' },
  // Webhook delivery or manual task: the system (or a person) reports back later.
  awaitCallback: { from: ['pending', 'running'], to: 'waiting' },
  // A postgres purge that ran out of rows (running); a callback or a task reporting (waiting).
  complete: { from: ['running', 'waiting'], to: 'completed' },
  // Also from pending: a dataset removed from the register fails before it starts.
  fail: { from: ['pending', 'running', 'waiting'], to: 'failed' },
  cancel: { from: ['pending', 'running', 'waiting'], to: 'cancelled' },
};

export class RefusedDatasetTransition extends Error {
  constructor(
    readonly transition: DatasetTransition,
    readonly from: RunDatasetStatus,
  ) {
    super(`A ${from} dataset cannot ${transition}`);
  }
}

export function canTransition(from: RunDatasetStatus, transition: DatasetTransition): boolean {
  return DATASET_TRANSITIONS[transition].from.includes(from);
}

/** The status a transition leads to from `from`; throws when the table refuses it. */
export function nextStatus(from: RunDatasetStatus, transition: DatasetTransition): RunDatasetStatus {
  if (!canTransition(from, transition)) throw new RefusedDatasetTransition(transition, from);
  return DATASET_TRANSITIONS[transition].to;
}

export function isFinished(status: RunDatasetStatus): boolean {
  return FINISHED_DATASET_STATUSES.includes(status);
}
