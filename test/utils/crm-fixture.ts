import { Client } from 'pg';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import type { TestApp } from './test-app';
import { connectTo, createTestDatabase, TestDatabase } from './test-database';

/**
 * A second database playing the application's CRM, for the retention suites: one table of
 * customers whose rows are dated in the past to simulate the passing of time.
 */
export interface Crm {
  db: TestDatabase;
  client: Client;
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function createCrm(label: string): Promise<Crm> {
  const db = await createTestDatabase(`crm_${label}`);
  const client = await connectTo(db.url);
  await client.query(`
    CREATE TABLE customers (
      id bigint PRIMARY KEY,
      customer_ref text NOT NULL,
      email text,
      name text,
      postcode text,
      created_at timestamptz NOT NULL,
      last_interaction timestamptz
    )`);
  return {
    db,
    client,
    query: async <T>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as T[],
    close: async () => {
      await client.end();
      await db.drop();
    },
  };
}

export interface CustomerRow {
  id: number;
  ref: string;
  email?: string | null;
  name?: string | null;
  postcode?: string | null;
  /** Days ago (simulated time). */
  createdDaysAgo: number;
  lastInteractionDaysAgo: number | null;
}

export async function insertCustomers(crm: Crm, rows: CustomerRow[]): Promise<void> {
  for (const r of rows) {
    await crm.client.query(
      `INSERT INTO customers (id, customer_ref, email, name, postcode, created_at, last_interaction)
       VALUES ($1, $2, $3, $4, $5, now() - make_interval(days => $6::int),
               CASE WHEN $7::int IS NULL THEN NULL ELSE now() - make_interval(days => $7::int) END)`,
      [
        r.id,
        r.ref,
        r.email ?? `${r.ref}@example.com`,
        r.name ?? `Name ${r.ref}`,
        r.postcode ?? '75011',
        r.createdDaysAgo,
        r.lastInteractionDaysAgo,
      ],
    );
  }
}

/**
 * `rows` customers for the scale suites (kills, hand-overs): every other one due, every purpose of
 * registerCrm over (deleted); the others recent (kept).
 */
export async function insertAlternatelyDueCustomers(crm: Crm, rows: number): Promise<void> {
  await crm.query(
    `INSERT INTO customers (id, customer_ref, email, name, postcode, created_at, last_interaction)
     SELECT i, 'cust-' || i, 'c' || i || '@example.com', 'Name ' || i, '75011',
            CASE WHEN i % 2 = 0 THEN now() - interval '12 years' ELSE now() - interval '1 year' END,
            CASE WHEN i % 2 = 0 THEN now() - interval '4 years' ELSE now() - interval '10 days' END
       FROM generate_series(1, $1::int) AS i`,
    [rows],
  );
}

/**
 * The register for the CRM: three purposes of different lengths (support 1 year after the last
 * interaction, newsletter 3 years or consent withdrawal, billing 10 years after collection as a
 * legal obligation) and three fields bound to them.
 */
export async function registerCrm(
  t: TestApp,
  crm: Crm,
  options: {
    systemCode?: string;
    kind?: 'postgres' | 'webhook' | 'manual';
    webhookUrl?: string;
    webhookSecret?: string;
  } = {},
): Promise<{ systemCode: string; datasetId: string }> {
  const dpo = () => t.as(Role.Dpo);
  const systemCode = options.systemCode ?? 'crm';
  for (const p of [
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
  ]) {
    const existing = await dpo().get(`/purposes/${p.code}`);
    if (existing.status === 200) continue;
    await expectOk(dpo().post('/purposes').send(purposeInput(p)), 201);
    await expectOk(dpo().post(`/purposes/${p.code}/activate`), 200);
  }
  const kind = options.kind ?? 'postgres';
  await expectOk(
    dpo()
      .post('/systems')
      .send({
        code: systemCode,
        name: `CRM ${systemCode}`,
        kind,
        ...(kind === 'postgres' ? { connectionString: crm.db.url } : {}),
        ...(kind === 'webhook'
          ? { webhookUrl: options.webhookUrl, webhookSecret: options.webhookSecret }
          : {}),
      }),
    201,
  );
  const dataset = await expectOk(
    dpo()
      .post(`/systems/${systemCode}/datasets`)
      .send({
        name: 'public.customers',
        primaryKey: ['id'],
        subjectColumn: 'customer_ref',
        timestampColumns: { collection: 'created_at', lastInteraction: 'last_interaction' },
      }),
    201,
  );
  const fields: [string, string, Record<string, unknown>, string[]][] = [
    ['email', 'contact', { strategy: 'hash' }, ['crm.support', 'marketing.newsletter']],
    ['name', 'identity', { strategy: 'nullify' }, ['crm.support', 'billing.records']],
    ['postcode', 'location', { strategy: 'generalise', value: '2' }, ['marketing.newsletter']],
  ];
  for (const [column, dataCategory, anonymisation, purposes] of fields) {
    const field = await expectOk(
      dpo()
        .post('/fields')
        .send({ system: systemCode, dataset: 'public.customers', column, dataCategory, anonymisation }),
      201,
    );
    await expectOk(
      dpo()
        .put(`/fields/${field.key as string}/purposes`)
        .send({ bindings: purposes.map((purpose) => ({ purpose, actions: ['read'] })) }),
      200,
    );
  }
  return { systemCode, datasetId: dataset.id as string };
}

/** Declares and activates purposes the register does not have yet. */
export async function ensurePurposes(
  t: TestApp,
  purposes: {
    code: string;
    legalBasis: string;
    retention: {
      duration: string;
      trigger: string;
      archive?: { duration: string; legalReason?: string };
    };
  }[],
): Promise<void> {
  for (const p of purposes) {
    if ((await t.as(Role.Dpo).get(`/purposes/${p.code}`)).status === 200) continue;
    await expectOk(t.as(Role.Dpo).post('/purposes').send(purposeInput(p)), 201);
    await expectOk(t.as(Role.Dpo).post(`/purposes/${p.code}/activate`), 200);
  }
}

/**
 * Registers one more table of the CRM database as a postgres dataset of `systemCode` (the
 * system is created when missing), with its fields bound to purposes.
 */
export async function registerDataset(
  t: TestApp,
  crm: Crm,
  options: {
    systemCode: string;
    name: string;
    primaryKey?: string[];
    subjectColumn?: string;
    timestampColumns: Record<string, string>;
    fields: [
      column: string,
      dataCategory: string,
      anonymisation: Record<string, unknown>,
      purposes: string[],
    ][];
  },
): Promise<{ datasetId: string }> {
  const dpo = () => t.as(Role.Dpo);
  if ((await dpo().get(`/systems/${options.systemCode}`)).status !== 200) {
    await expectOk(
      dpo()
        .post('/systems')
        .send({
          code: options.systemCode,
          name: `System ${options.systemCode}`,
          kind: 'postgres',
          connectionString: crm.db.url,
        }),
      201,
    );
  }
  const dataset = await expectOk(
    dpo()
      .post(`/systems/${options.systemCode}/datasets`)
      .send({
        name: options.name,
        primaryKey: options.primaryKey ?? ['id'],
        ...(options.subjectColumn ? { subjectColumn: options.subjectColumn } : {}),
        timestampColumns: options.timestampColumns,
      }),
    201,
  );
  for (const [column, dataCategory, anonymisation, purposes] of options.fields) {
    const field = await expectOk(
      dpo()
        .post('/fields')
        .send({ system: options.systemCode, dataset: options.name, column, dataCategory, anonymisation }),
      201,
    );
    await expectOk(
      dpo()
        .put(`/fields/${field.key as string}/purposes`)
        .send({ bindings: purposes.map((purpose) => ({ purpose, actions: ['read'] })) }),
      200,
    );
  }
  return { datasetId: dataset.id as string };
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
