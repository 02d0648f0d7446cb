import type { RetentionDatasetPlan } from '../../src/modules/inventory/inventory.types';
import type { ColumnFacts, TableFacts } from '../../src/modules/retention/executors/postgres/sql-builder';
import type { PurposeFacts } from '../../src/modules/retention/retention-rule';
import { datasetPlan } from './retention-plan.factory';

/**
 * The postgres `public.customers` table, its purposes and its registered fields, as the SQL
 * builder specs of the postgres executor (and the retention rule's) check them.
 */

/** A column as information_schema describes it (nullable, no length limit unless told). */
export const pgColumn = (
  name: string,
  dataType: string,
  nullable = true,
  maxLength: number | null = null,
): ColumnFacts => ({
  name,
  dataType,
  nullable,
  maxLength,
});

/** `public.customers`: a bigint key, the subject column, two contact fields and both trigger columns. */
export const customersTable: TableFacts = {
  primaryKey: ['id'],
  referencedBy: [],
  columns: new Map(
    [
      pgColumn('id', 'bigint', false),
      pgColumn('customer_ref', 'text'),
      pgColumn('email', 'text'),
      pgColumn('name', 'character varying'),
      pgColumn('last_interaction', 'timestamp with time zone'),
      pgColumn('created_at', 'timestamp with time zone'),
    ].map((c) => [c.name, c]),
  ),
};

/** Support (1 year), newsletter (consent, 3 years), accounting (legal obligation) and a retired one. */
export const customerPurposes = new Map<string, PurposeFacts>([
  [
    'crm.support',
    {
      code: 'crm.support',
      status: 'active',
      legalBasis: 'contract',
      retention: { duration: 'P1Y', trigger: 'last_interaction' },
    },
  ],
  [
    'marketing.newsletter',
    {
      code: 'marketing.newsletter',
      status: 'active',
      legalBasis: 'consent',
      retention: { duration: 'P3Y', trigger: 'last_interaction' },
    },
  ],
  [
    'accounting',
    {
      code: 'accounting',
      status: 'active',
      legalBasis: 'legal_obligation',
      retention: { duration: 'P10Y', trigger: 'collection' },
    },
  ],
  [
    'old',
    {
      code: 'old',
      status: 'retired',
      legalBasis: 'contract',
      retention: { duration: 'P1Y', trigger: 'collection' },
    },
  ],
]);

/**
 * `public.customers` with, unless `fields` says otherwise, its email hashed (kept for support and
 * the newsletter) and its name nullified (kept for support).
 */
export function customersPlan(
  overrides: Partial<RetentionDatasetPlan['dataset']> = {},
  fields?: RetentionDatasetPlan['fields'],
): RetentionDatasetPlan {
  return datasetPlan(
    overrides,
    fields ?? [
      {
        key: 'crm.customers.email',
        column: 'email',
        dataCategory: 'contact',
        special: false,
        anonymisation: { strategy: 'hash' as never },
        bindings: [{ purposeCode: 'crm.support' }, { purposeCode: 'marketing.newsletter' }],
      },
      {
        key: 'crm.customers.name',
        column: 'name',
        dataCategory: 'identity',
        special: false,
        anonymisation: { strategy: 'nullify' as never },
        bindings: [{ purposeCode: 'crm.support' }],
      },
    ],
  );
}
