import type { RetentionDatasetPlan } from '../../src/modules/inventory/inventory.types';
import type { PurgeInputs } from '../../src/modules/retention/purge-inputs.reader';
import { emptyPurgeInputs } from '../../src/modules/retention/executors/postgres/sql-builder';

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

/** A batch's inputs with nothing held, withdrawn or filtered, at a fixed instant (SQL builder specs). */
export function purgeInputs(over: Partial<PurgeInputs> = {}): PurgeInputs {
  return {
    ...emptyPurgeInputs(),
    hashKey: Buffer.alloc(32, 7),
    batchSize: 100,
    now: new Date('2026-05-10T00:00:00Z'),
    ...over,
  };
}
