import { datasetPlan } from '../../../test/factories/retention-plan.factory';
import type { RetentionDatasetPlan } from '../inventory/inventory.types';
import { orderRunDatasets } from './run-dataset-order';

function plan(system: string, name: string, referencedRows?: 'anonymise' | 'purge_children_first') {
  const p = datasetPlan({ id: `${system}/${name}`, name, ...(referencedRows ? { referencedRows } : {}) });
  return { ...p, system: { ...p.system, code: system } };
}
const ids = (plans: RetentionDatasetPlan[]) => orderRunDatasets(plans).map((p) => p.dataset.id);

describe('orderRunDatasets', () => {
  it('keeps the order when no dataset purges its children first', () => {
    const plans = [plan('a', 'public.customers'), plan('a', 'public.orders', 'anonymise'), plan('b', 'x.y')];
    expect(ids(plans)).toEqual(['a/public.customers', 'a/public.orders', 'b/x.y']);
  });

  it('puts a purge_children_first dataset after every other dataset of its system only', () => {
    const plans = [
      plan('a', 'public.customers', 'purge_children_first'),
      plan('a', 'public.accounts', 'purge_children_first'),
      plan('a', 'public.orders'),
      plan('a', 'public.payments'),
      plan('b', 'public.customers', 'purge_children_first'),
      plan('b', 'public.tickets'),
    ];
    expect(ids(plans)).toEqual([
      'a/public.orders',
      'a/public.payments',
      'a/public.customers',
      'a/public.accounts',
      'b/public.tickets',
      'b/public.customers',
    ]);
  });

  it('does not change the input', () => {
    const plans = [plan('a', 'public.customers', 'purge_children_first'), plan('a', 'public.orders')];
    orderRunDatasets(plans);
    expect(plans.map((p) => p.dataset.id)).toEqual(['a/public.customers', 'a/public.orders']);
  });
});
