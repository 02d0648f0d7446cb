import type { RetentionDatasetPlan } from '../inventory/inventory.types';

/**
 * The order in which a run purges its datasets (`retention_run_dataset.position`). A dataset set
 * to `purge_children_first` (ADR 0051) comes after every other dataset of its system: the
 * datasets whose tables hold foreign keys to it are then purged first, so their due rows are
 * deleted before its own rows are read, and the parent rows nothing references any more are
 * deleted rather than anonymised. Which datasets are children is not worked out: every other
 * dataset of the system going first is enough, costs no catalogue read at run creation, and
 * works the same for every executor kind. Systems keep the order of their first dataset, and
 * datasets keep their order within each part (a stable partition), so the order stays
 * predictable. Pure.
 */
export function orderRunDatasets(plans: readonly RetentionDatasetPlan[]): RetentionDatasetPlan[] {
  const bySystem = new Map<string, { first: RetentionDatasetPlan[]; last: RetentionDatasetPlan[] }>();
  for (const plan of plans) {
    let group = bySystem.get(plan.system.code);
    if (!group) bySystem.set(plan.system.code, (group = { first: [], last: [] }));
    (plan.dataset.referencedRows === 'purge_children_first' ? group.last : group.first).push(plan);
  }
  return [...bySystem.values()].flatMap((g) => [...g.first, ...g.last]);
}
