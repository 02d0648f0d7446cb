import { Role } from '../../src/policies/role.enum';
import type { Crm } from './crm-fixture';
import type { MysqlDb } from './mysql-fixture';
import type { FixtureField } from './register-fixture';
import type { TestApp } from './test-app';
import { queryRows } from './test-database';

/**
 * The intermediate-archive suites' shared register and probes (ADRs 0052, 0054): "3 years active
 * after the last contact, then 5 years in intermediate archive, then deletion", on PostgreSQL and
 * on MySQL/MariaDB. Each suite keeps its own data and assertions.
 */
export const ARCHIVE_LEGAL_REASON = 'Limitation period for contract disputes (art. 2224 Code civil)';

/** Active 3 years after the last contact, then 5 years in the archive for the limitation period. */
export const SALES_CONTRACT_PURPOSE = {
  code: 'sales.contract',
  legalBasis: 'contract',
  retention: {
    duration: 'P3Y',
    trigger: 'last_interaction',
    archive: { duration: 'P5Y', legalReason: ARCHIVE_LEGAL_REASON },
  },
};

/** One year after collection, no archive phase: a field bound to it only is purged in place. */
export const SALES_STATS_PURPOSE = {
  code: 'sales.stats',
  legalBasis: 'contract',
  retention: { duration: 'P1Y', trigger: 'collection' },
};

/** The customer fields whose values move to the archive: email and name, for the contract only. */
export const CONTRACT_FIELDS: FixtureField[] = [
  ['email', 'contact', { strategy: 'nullify' }, ['sales.contract']],
  ['name', 'identity', { strategy: 'nullify' }, ['sales.contract']],
];

/** The postcode, kept for statistics only: purged in place, never archived. */
export const STATS_POSTCODE_FIELD: FixtureField = [
  'postcode',
  'location',
  { strategy: 'nullify' },
  ['sales.stats'],
];

/** Declares `table` as the archive of a registered dataset (as the DPO, through the API). */
export async function declareArchiveTable(
  t: TestApp,
  systemCode: string,
  dataset: string,
  table: string,
): Promise<void> {
  await t
    .as(Role.Dpo)
    .patch(`/systems/${systemCode}/datasets/${dataset}`)
    .send({ archive: { table } })
    .expect(200);
}

/** PostgreSQL: archive.customers for the CRM's customers table, as the DBA creates it. */
export async function createPostgresArchiveTable(crm: Crm): Promise<void> {
  await crm.query(`CREATE SCHEMA archive`);
  await crm.query(
    `CREATE TABLE archive.customers (id bigint PRIMARY KEY, customer_ref text, email text, name text,
       active_ended_at timestamptz NOT NULL, archive_until timestamptz NOT NULL)`,
  );
}

/**
 * MySQL/MariaDB: a `table` of customers keyed by id, indexed on its subject column, with a last
 * contact date and, `withPostcode`, a postcode and a collection date.
 */
export async function createMysqlCustomersTable(
  db: MysqlDb,
  table: string,
  options: { withPostcode: boolean },
): Promise<void> {
  await db.query(`
    CREATE TABLE ${table} (
      id BIGINT NOT NULL PRIMARY KEY,
      customer_ref VARCHAR(64) NOT NULL,
      email VARCHAR(255) NULL,
      name VARCHAR(100) NULL,
      ${options.withPostcode ? 'postcode VARCHAR(10) NULL, created_at DATETIME NOT NULL,' : ''}
      last_interaction DATETIME NULL,
      KEY ${table}_ref (customer_ref)
    ) ENGINE = InnoDB`);
}

/** MySQL/MariaDB: the archive table of createMysqlCustomersTable's email and name. */
export async function createMysqlArchiveTable(db: MysqlDb, table: string): Promise<void> {
  await db.query(`
    CREATE TABLE ${table} (
      id BIGINT NOT NULL PRIMARY KEY,
      customer_ref VARCHAR(64) NULL,
      email VARCHAR(255) NULL,
      name VARCHAR(100) NULL,
      active_ended_at DATETIME(6) NOT NULL,
      archive_until DATETIME(6) NOT NULL
    ) ENGINE = InnoDB`);
}

/** Finalité's archive ledger (subject_archive_phase): which subject's values are archived, for which purpose. */
export function archiveLedger(t: TestApp): Promise<{ subject_id: string; purpose_id: string }[]> {
  return queryRows(
    t.databaseUrl!,
    `SELECT subject_id, purpose_id FROM subject_archive_phase ORDER BY subject_id`,
  );
}

/** How many subjects the archive ledger holds for one dataset. */
export async function archiveLedgerCount(t: TestApp, datasetId: string): Promise<number> {
  const [{ n }] = await queryRows<{ n: number }>(
    t.databaseUrl!,
    `SELECT count(*)::int AS n FROM subject_archive_phase WHERE dataset_id = $1`,
    [datasetId],
  );
  return n;
}

/** The subjects one run wrote to the archive ledger for one dataset, in order. */
export async function archivedSubjectsOfRun(t: TestApp, datasetId: string, runId: string): Promise<string[]> {
  const rows = await queryRows<{ subject_id: string }>(
    t.databaseUrl!,
    `SELECT subject_id FROM subject_archive_phase WHERE dataset_id = $1 AND run_id = $2 ORDER BY subject_id`,
    [datasetId, runId],
  );
  return rows.map((r) => r.subject_id);
}

/** A run's batches in order, with how many rows' values each moved to the archive. */
export function archiveMovesByBatch(
  t: TestApp,
  runId: string,
): Promise<{ seq: number; state: string; moved: number | null }[]> {
  return queryRows(
    t.databaseUrl!,
    `SELECT seq, state, (rows_kept->>'archive:moved')::int AS moved FROM purge_batch WHERE run_id = $1 ORDER BY seq`,
    [runId],
  );
}
