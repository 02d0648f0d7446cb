import { Role } from '../../src/policies/role.enum';
import { datasetInput, systemInput } from '../factories/inventory.factory';
import { declareActivePurpose } from './register-fixture';
import { startTestApp, TestApp } from './test-app';

/**
 * The data-inventory suites' shared register (inventory-systems, inventory-fields,
 * inventory-visibility): declared through the API as the DPO. Each suite keeps its own assertions.
 */

/** The CRM's connection string: its password must never come back out of the API or the audit trail. */
export const INVENTORY_CONNECTION = 'postgres://finalite_ro:s3cret-pw@crm-db.internal:5432/crm';

/** A field to register and the bindings it is left with. */
interface RegisteredField {
  dataset: string;
  column: string;
  dataCategory: string;
  anonymisation?: Record<string, unknown>;
  bindings: Record<string, unknown>[];
}

/**
 * The fields inventory-fields registers and binds, as it leaves them: the email for orders and the
 * newsletter (masked, sub-purposes too), the IBAN for a campaign since retired, the health notes for
 * customer care (art. 9(2) condition recorded), the birth date bound to nothing.
 */
const REGISTERED_FIELDS: RegisteredField[] = [
  {
    dataset: 'public.customers',
    column: 'email',
    dataCategory: 'contact',
    bindings: [
      { purpose: 'sales.orders', actions: ['write', 'read'] },
      { purpose: 'marketing.newsletter', actions: ['read'], obligation: 'mask', appliesToSubPurposes: true },
    ],
  },
  {
    dataset: 'billing.invoices',
    column: 'iban',
    dataCategory: 'financial',
    anonymisation: { strategy: 'fixed', value: 'REDACTED' },
    bindings: [{ purpose: 'old.campaign', actions: ['read', 'export'] }],
  },
  {
    dataset: 'public.customers',
    column: 'health_notes',
    dataCategory: 'health',
    bindings: [{ purpose: 'support.care', actions: ['read'] }],
  },
  { dataset: 'public.customers', column: 'birth_date', dataCategory: 'identity', bindings: [] },
];

/**
 * A fresh app whose register holds four active purposes (orders 5 years after the contract, the
 * newsletter, customer care with an art. 9(2) condition, an old campaign) and the postgres system
 * `crm` (INVENTORY_CONNECTION) with two datasets, public.customers and billing.invoices.
 * `withFields`: also the fields of REGISTERED_FIELDS, bound, and the old campaign retired.
 */
export async function startInventoryApp(options: { withFields?: boolean } = {}): Promise<TestApp> {
  const t = await startTestApp();
  const dpo = () => t.as(Role.Dpo);
  try {
    await declareActivePurpose(t, 'sales.orders', {
      retention: { duration: 'P5Y', trigger: 'contract_end' },
    });
    await declareActivePurpose(t, 'marketing.newsletter', {
      retention: { duration: 'P13M', trigger: 'last_interaction' },
    });
    await declareActivePurpose(t, 'support.care', {
      specialCategoryCondition: 'explicit_consent',
      retention: { duration: 'P2Y', trigger: 'last_interaction' },
    });
    await declareActivePurpose(t, 'old.campaign', { retention: { duration: 'P10Y', trigger: 'collection' } });
    await dpo()
      .post('/systems')
      .send(systemInput({ kind: 'postgres', connectionString: INVENTORY_CONNECTION }))
      .expect(201);
    await dpo().post('/systems/crm/datasets').send(datasetInput()).expect(201);
    await dpo()
      .post('/systems/crm/datasets')
      .send(datasetInput({ name: 'billing.invoices', subjectColumn: 'customer_id', timestampColumns: {} }))
      .expect(201);
    if (options.withFields) {
      for (const { bindings, ...field } of REGISTERED_FIELDS) {
        const created = await dpo()
          .post('/fields')
          .send({ system: 'crm', ...field })
          .expect(201);
        await dpo()
          .put(`/fields/${created.body.key as string}/purposes`)
          .send({ bindings })
          .expect(200);
      }
      await dpo().post('/purposes/old.campaign/retire').expect(200);
    }
  } catch (e) {
    await t.close();
    throw e;
  }
  return t;
}
