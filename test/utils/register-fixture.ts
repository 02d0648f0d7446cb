import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import type { TestApp } from './test-app';

/**
 * What the retention fixtures declare in Finalité's register, through the API as the DPO: purposes,
 * a system, its datasets and their fields bound to purposes. Shared by the PostgreSQL CRM
 * (crm-fixture) and the MySQL/MariaDB databases (mysql-fixture). Every request must answer the
 * status it expects: a fixture that could not be declared throws.
 */

/** A field of a dataset, bound (for reading) to `purposes`. */
export type FixtureField = [
  column: string,
  dataCategory: string,
  anonymisation: Record<string, unknown>,
  purposes: string[],
];

/** A purpose to declare: purposeInput fills in the rest of its declaration. */
export type FixturePurpose = {
  code: string;
  legalBasis: string;
  retention: {
    duration: string;
    trigger: string;
    archive?: { duration: string; legalReason?: string };
  };
};

/**
 * Three purposes of different lengths: support 1 year after the last interaction, newsletter 3
 * years or consent withdrawal, billing 10 years after collection as a legal obligation.
 */
export const CUSTOMER_PURPOSES: FixturePurpose[] = [
  {
    code: 'crm.support',
    legalBasis: 'contract',
    retention: { duration: 'P1Y', trigger: 'last_interaction' },
  },
  {
    code: 'marketing.newsletter',
    legalBasis: 'consent',
    retention: { duration: 'P3Y', trigger: 'last_interaction' },
  },
  {
    code: 'billing.records',
    legalBasis: 'legal_obligation',
    retention: { duration: 'P10Y', trigger: 'collection' },
  },
];

/** Declares a complete purpose (purposeInput with `overrides`) and activates it. */
export async function declareActivePurpose(
  t: TestApp,
  code: string,
  overrides: Record<string, unknown> = {},
): Promise<void> {
  await expectOk(
    t
      .as(Role.Dpo)
      .post('/purposes')
      .send(purposeInput({ code, ...overrides })),
    201,
  );
  await expectOk(t.as(Role.Dpo).post(`/purposes/${code}/activate`), 200);
}

/** Declares and activates purposes the register does not have yet. */
export async function ensurePurposes(t: TestApp, purposes: FixturePurpose[]): Promise<void> {
  for (const p of purposes) {
    if ((await t.as(Role.Dpo).get(`/purposes/${p.code}`)).status === 200) continue;
    await declareActivePurpose(t, p.code, p);
  }
}

/** Creates a system (`system` is the POST /systems body). */
export async function createSystem(
  t: TestApp,
  system: { code: string } & Record<string, unknown>,
): Promise<void> {
  await expectOk(t.as(Role.Dpo).post('/systems').send(system), 201);
}

/**
 * A manual system `crm` with the dataset public.customers (key and subject `id`) and a field per
 * column, of the data category given, bound to nothing: the register the access, report and
 * dashboard suites start from before binding fields their own way.
 */
export async function declareCrmCustomers(t: TestApp, columns: Record<string, string>): Promise<void> {
  await createSystem(t, { code: 'crm', name: 'Customer CRM', kind: 'manual' });
  const dataset = { name: 'public.customers', primaryKey: ['id'], subjectColumn: 'id' };
  await expectOk(t.as(Role.Dpo).post('/systems/crm/datasets').send(dataset), 201);
  for (const [column, dataCategory] of Object.entries(columns)) {
    const field = { system: 'crm', dataset: dataset.name, column, dataCategory };
    await expectOk(t.as(Role.Dpo).post('/fields').send(field), 201);
  }
}

/** Creates a system unless the register has one of that code already. */
export async function ensureSystem(
  t: TestApp,
  system: { code: string } & Record<string, unknown>,
): Promise<void> {
  if ((await t.as(Role.Dpo).get(`/systems/${system.code}`)).status !== 200) await createSystem(t, system);
}

/** Registers a dataset of `systemCode` and its fields, each bound to its purposes; returns its id. */
export async function declareDataset(
  t: TestApp,
  systemCode: string,
  dataset: {
    name: string;
    primaryKey: string[];
    subjectColumn?: string;
    timestampColumns: Record<string, string>;
  },
  fields: FixtureField[],
): Promise<string> {
  const dpo = () => t.as(Role.Dpo);
  const created = await expectOk(
    dpo()
      .post(`/systems/${systemCode}/datasets`)
      .send({
        name: dataset.name,
        primaryKey: dataset.primaryKey,
        ...(dataset.subjectColumn ? { subjectColumn: dataset.subjectColumn } : {}),
        timestampColumns: dataset.timestampColumns,
      }),
    201,
  );
  for (const [column, dataCategory, anonymisation, purposes] of fields) {
    const field = await expectOk(
      dpo()
        .post('/fields')
        .send({ system: systemCode, dataset: dataset.name, column, dataCategory, anonymisation }),
      201,
    );
    await expectOk(
      dpo()
        .put(`/fields/${field.key as string}/purposes`)
        .send({ bindings: purposes.map((purpose) => ({ purpose, actions: ['read'] })) }),
      200,
    );
  }
  return created.id as string;
}

async function expectOk(
  req: PromiseLike<{ status: number; body: Record<string, unknown> }>,
  status: number,
): Promise<Record<string, unknown>> {
  const res = await req;
  if (res.status !== status)
    throw new Error(`Fixture request answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}
