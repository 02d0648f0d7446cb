import { Client } from 'pg';
import {
  createSystem,
  CUSTOMER_PURPOSES,
  declareDataset,
  ensurePurposes,
  ensureSystem,
  type FixtureField,
} from './register-fixture';
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

/** The CRM's fields, bound to CUSTOMER_PURPOSES. */
const CRM_FIELDS: FixtureField[] = [
  ['email', 'contact', { strategy: 'hash' }, ['crm.support', 'marketing.newsletter']],
  ['name', 'identity', { strategy: 'nullify' }, ['crm.support', 'billing.records']],
  ['postcode', 'location', { strategy: 'generalise', value: '2' }, ['marketing.newsletter']],
];

/**
 * The register for the CRM: three purposes of different lengths (CUSTOMER_PURPOSES: support 1
 * year after the last interaction, newsletter 3 years or consent withdrawal, billing 10 years
 * after collection as a legal obligation) and three fields bound to them.
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
  const systemCode = options.systemCode ?? 'crm';
  await ensurePurposes(t, CUSTOMER_PURPOSES);
  const kind = options.kind ?? 'postgres';
  await createSystem(t, {
    code: systemCode,
    name: `CRM ${systemCode}`,
    kind,
    ...(kind === 'postgres' ? { connectionString: crm.db.url } : {}),
    ...(kind === 'webhook' ? { webhookUrl: options.webhookUrl, webhookSecret: options.webhookSecret } : {}),
  });
  const datasetId = await declareDataset(
    t,
    systemCode,
    {
      name: 'public.customers',
      primaryKey: ['id'],
      subjectColumn: 'customer_ref',
      timestampColumns: { collection: 'created_at', lastInteraction: 'last_interaction' },
    },
    CRM_FIELDS,
  );
  return { systemCode, datasetId };
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
    fields: FixtureField[];
  },
): Promise<{ datasetId: string }> {
  await ensureSystem(t, {
    code: options.systemCode,
    name: `System ${options.systemCode}`,
    kind: 'postgres',
    connectionString: crm.db.url,
  });
  const datasetId = await declareDataset(
    t,
    options.systemCode,
    {
      name: options.name,
      primaryKey: options.primaryKey ?? ['id'],
      subjectColumn: options.subjectColumn,
      timestampColumns: options.timestampColumns,
    },
    options.fields,
  );
  return { datasetId };
}
