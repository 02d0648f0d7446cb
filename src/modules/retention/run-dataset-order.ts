import type { RetentionDatasetPlan } from '../inventory/inventory.types';

/**
 * The order in which a run purges its datasets (`retention_run_dataset.position`). A dataset set
 * to `purge_children_first` (ADR 0051) comes after every other dataset of its system: the
 * datasets whose tables hold foreign keys to it are then purged first, so their due rows are
 * deleted before its own rows are read, and the parent rows nothing references any more are
 * deleted rather than anonymised. Among those datasets, the subject's own record (a dataset
 * whose primary key is its subject column, like Sakila's `customer`) goes last: the others
 * (`rental`) refer to the subject by that key, so it is the parent of the chain. Which datasets
 * are children is not read from the catalogue: costs nothing at run creation and works the
 * same for every executor kind. Systems keep the order of their first dataset, and datasets
 * keep their order within each part (a stable partition), so the order stays predictable. Pure.
 */
export function orderRunDatasets(plans: readonly RetentionDatasetPlan[]): RetentionDatasetPlan[] {
  const bySystem = new Map<
    string,
    { first: RetentionDatasetPlan[]; children: RetentionDatasetPlan[]; root: RetentionDatasetPlan[] }
  >();
  for (const plan of plans) {
    let group = bySystem.get(plan.system.code);
    if (!group) bySystem.set(plan.system.code, (group = { first: [], children: [], root: [] }));
    if (plan.dataset.referencedRows !== 'purge_children_first') group.first.push(plan);
    else (isSubjectRecord(plan) ? group.root : group.children).push(plan);
  }
  return [...bySystem.values()].flatMap((g) => [...g.first, ...g.children, ...g.root]);
}

/** The dataset's rows are the subjects themselves: its primary key is its subject column. */
function isSubjectRecord(plan: RetentionDatasetPlan): boolean {
  const { primaryKey, subjectColumn } = plan.dataset;
  return !!subjectColumn && primaryKey.length === 1 && primaryKey[0] === subjectColumn;
}
