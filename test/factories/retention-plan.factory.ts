import type { RetentionDatasetPlan } from '../../src/modules/inventory/inventory.types';

type PlanField = RetentionDatasetPlan['fields'][number];

/** A postgres dataset `crm` / `public.customers` as the retention engine reads it from the register. */
export function datasetPlan(
  overrides: Partial<RetentionDatasetPlan['dataset']> = {},
  fields: PlanField[] = [],
): RetentionDatasetPlan {
  return {
    system: { code: 'crm', kind: 'postgres' as RetentionDatasetPlan['system']['kind'] },
    dataset: {
      id: 'ds-1',
      name: 'public.customers',
      schema: 'public',
      table: 'customers',
      primaryKey: ['id'],
      subjectColumn: 'customer_ref',
      timestampColumns: { lastInteraction: 'last_interaction', collection: 'created_at' },
      ...overrides,
    },
    fields,
  };
}

/** A contact field `crm.customers.<column>` bound to `purposeCodes`, nullified when due. */
export function planField(column: string, purposeCodes: string[]): PlanField {
  return {
    key: `crm.customers.${column}`,
    column,
    dataCategory: 'contact',
    special: false,
    anonymisation: { strategy: 'nullify' as never },
    bindings: purposeCodes.map((purposeCode) => ({ purposeCode })),
  };
}
