import { datasetPlan } from '../../../test/factories/retention-plan.factory';
import type { RetentionDatasetPlan } from '../inventory/inventory.types';
import { orderRunDatasets } from './run-dataset-order';

function plan(
  system: string,
  name: string,
  referencedRows?: 'anonymise' | 'purge_children_first',
  keys: { primaryKey?: string[]; subjectColumn?: string } = {},
) {
  const p = datasetPlan({
    id: `${system}/${name}`,
    name,
    primaryKey: ['id'],
    subjectColumn: 'customer_ref',
    ...keys,
    ...(referencedRows ? { referencedRows } : {}),
  });
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

  it("puts the subject's own record after the other purge_children_first datasets (Sakila's chain)", () => {
    const customer = { primaryKey: ['customer_id'], subjectColumn: 'customer_id' };
    const child = { primaryKey: ['rental_id'], subjectColumn: 'customer_id' };
    const plans = [
      plan('sakila', 'sakila.customer', 'purge_children_first', customer),
      plan('sakila', 'sakila.payment', undefined, {
        primaryKey: ['payment_id'],
        subjectColumn: 'customer_id',
      }),
      plan('sakila', 'sakila.rental', 'purge_children_first', child),
      // A composite key holding the subject column is not the subject's record.
      plan('sakila', 'sakila.address', 'purge_children_first', {
        primaryKey: ['customer_id', 'kind'],
        subjectColumn: 'customer_id',
      }),
    ];
    expect(ids(plans)).toEqual([
      'sakila/sakila.payment',
      'sakila/sakila.rental',
      'sakila/sakila.address',
      'sakila/sakila.customer',
    ]);
  });

  it('does not change the input', () => {
    const plans = [plan('a', 'public.customers', 'purge_children_first'), plan('a', 'public.orders')];
    orderRunDatasets(plans);
    expect(plans.map((p) => p.dataset.id)).toEqual(['a/public.customers', 'a/public.orders']);
  });
});
