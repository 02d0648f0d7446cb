import { randomBytes } from 'node:crypto';
import { createConnection, Connection, RowDataPacket } from 'mysql2/promise';
import {
  createSystem,
  CUSTOMER_PURPOSES,
  declareDataset,
  ensurePurposes,
  ensureSystem,
  type FixtureField,
} from './register-fixture';
import type { TestApp } from './test-app';

/**
 * A MySQL/MariaDB database playing a marketing tool's (web analytics, e-mailing) for the mysql
 * retention suites: created and dropped per suite on the local server (TEST_MYSQL_ADMIN_URL,
 * else root on 127.0.0.1:3306), its tables built by each test.
 */
export const MYSQL_ADMIN_URL = process.env.TEST_MYSQL_ADMIN_URL ?? 'mysql://root@127.0.0.1:3306/mysql';

export interface MysqlDb {
  name: string;
  /** The connection string Finalité is given (mysql://…/name). */
  url: string;
  connection: Connection;
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

async function connect(url: string): Promise<Connection> {
  const u = new URL(url);
  const c = await createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1) || undefined,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    multipleStatements: true,
  });
  await c.query(`SET time_zone = '+00:00'`);
  return c;
}

export async function createMysqlDb(label: string): Promise<MysqlDb> {
  const name = `fin_my_${label
    .replace(/[^a-z0-9]/gi, '_')
    .toLowerCase()
    .slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const admin = await connect(MYSQL_ADMIN_URL);
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  } finally {
    await admin.end();
  }
  const url = new URL(MYSQL_ADMIN_URL);
  url.pathname = `/${name}`;
  const connection = await connect(url.toString());
  return {
    name,
    url: url.toString(),
    connection,
    query: async <T>(text: string, params: unknown[] = []) =>
      (await connection.query<RowDataPacket[]>(text, params))[0] as T[],
    close: async () => {
      await connection.end().catch(() => undefined);
      const a = await connect(MYSQL_ADMIN_URL);
      try {
        await a.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await a.end();
      }
    },
  };
}

/**
 * A web-analytics visitors table with the column types of that world: a BINARY(8) visitor id,
 * the IP address as VARBINARY(16) and as text, a TINYTEXT user agent, latitude, a BLOB picture.
 */
export async function createVisitorsTable(db: MysqlDb): Promise<void> {
  await db.query(`
    CREATE TABLE visitors (
      id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
      visitor_ref VARCHAR(64) NOT NULL,
      idvisitor BINARY(8) NOT NULL,
      location_ip VARBINARY(16) NULL,
      ip_text VARCHAR(45) NULL,
      user_agent TINYTEXT NULL,
      email VARCHAR(255) NULL,
      latitude DECIMAL(9,6) NULL,
      picture BLOB NULL,
      created_at DATETIME NOT NULL,
      last_visit DATETIME NULL,
      KEY visitors_ref (visitor_ref)
    ) ENGINE = InnoDB`);
}

export interface VisitorRow {
  id: number;
  ref: string;
  createdDaysAgo: number;
  lastVisitDaysAgo: number | null;
  ip?: string;
}

export async function insertVisitors(db: MysqlDb, rows: VisitorRow[]): Promise<void> {
  for (const r of rows) {
    const ip = r.ip ?? `192.168.${r.id % 250}.${(r.id % 200) + 17}`;
    await db.query(
      `INSERT INTO visitors (id, visitor_ref, idvisitor, location_ip, ip_text, user_agent, email, latitude, picture, created_at, last_visit)
       VALUES (?, ?, UNHEX(?), INET6_ATON(?), ?, ?, ?, ?, ?, UTC_TIMESTAMP() - INTERVAL ? DAY,
               IF(? IS NULL, NULL, UTC_TIMESTAMP() - INTERVAL ? DAY))`,
      [
        r.id,
        r.ref,
        (r.id + 0x1000).toString(16).padStart(16, '0'),
        ip,
        ip,
        'Mozilla/5.0 (X11; Linux x86_64)',
        `${r.ref}@example.com`,
        '48.856613',
        Buffer.from([0x89, 0x50, 0x4e, 0x47]),
        r.createdDaysAgo,
        r.lastVisitDaysAgo,
        r.lastVisitDaysAgo,
      ],
    );
  }
}

/**
 * Registers the mysql system and its visitors dataset: fields bound to purposes of different
 * lengths (CUSTOMER_PURPOSES), with the strategies of this data (IP prefixes, a binary id
 * replaced, a keyed hash).
 */
export async function registerVisitors(
  t: TestApp,
  db: MysqlDb,
  systemCode = 'analytics',
): Promise<{ datasetId: string; dataset: string }> {
  await ensurePurposes(t, CUSTOMER_PURPOSES);
  await createSystem(t, {
    code: systemCode,
    name: `Analytics ${systemCode}`,
    kind: 'mysql',
    connectionString: db.url,
  });
  const dataset = `${db.name}.visitors`;
  const fields: FixtureField[] = [
    ['email', 'contact', { strategy: 'hash' }, ['crm.support', 'marketing.newsletter']],
    ['location_ip', 'online_identifiers', { strategy: 'generalise' }, ['crm.support']],
    ['ip_text', 'online_identifiers', { strategy: 'generalise', value: 'ip' }, ['crm.support']],
    ['user_agent', 'online_identifiers', { strategy: 'nullify' }, ['crm.support']],
    ['latitude', 'location', { strategy: 'generalise', value: '1' }, ['crm.support']],
    [
      'idvisitor',
      'online_identifiers',
      { strategy: 'fixed', value: '0000000000000000' },
      ['marketing.newsletter'],
    ],
    ['picture', 'identity', { strategy: 'nullify' }, ['crm.support', 'billing.records']],
  ];
  const datasetId = await declareDataset(
    t,
    systemCode,
    {
      name: dataset,
      primaryKey: ['id'],
      subjectColumn: 'visitor_ref',
      timestampColumns: { collection: 'created_at', lastInteraction: 'last_visit' },
    },
    fields,
  );
  return { datasetId, dataset };
}

/** Registers one table of `db` as a dataset of the mysql system `systemCode` (created if missing). */
export async function registerMysqlDataset(
  t: TestApp,
  db: MysqlDb,
  options: {
    systemCode: string;
    table: string;
    primaryKey: string[];
    subjectColumn?: string;
    timestampColumns: Record<string, string>;
    fields: FixtureField[];
    connectionString?: string;
  },
): Promise<{ datasetId: string; dataset: string }> {
  await ensurePurposes(t, CUSTOMER_PURPOSES);
  await ensureSystem(t, {
    code: options.systemCode,
    name: `System ${options.systemCode}`,
    kind: 'mysql',
    connectionString: options.connectionString ?? db.url,
  });
  const dataset = `${db.name}.${options.table}`;
  const datasetId = await declareDataset(
    t,
    options.systemCode,
    {
      name: dataset,
      primaryKey: options.primaryKey,
      subjectColumn: options.subjectColumn,
      timestampColumns: options.timestampColumns,
    },
    options.fields,
  );
  return { datasetId, dataset };
}

/**
 * Page views keyed by (visit_id, action_seq), a composite key: `rows` rows, every other one due
 * (every purpose over: deleted), the others recent (kept). Inserted in chunks of bound values.
 */
export async function createVisitActions(db: MysqlDb, rows: number, table = 'visit_actions'): Promise<void> {
  await db.query(`
    CREATE TABLE \`${table}\` (
      visit_id BIGINT NOT NULL,
      action_seq INT NOT NULL,
      visitor_ref VARCHAR(64) NOT NULL,
      url VARCHAR(500) NULL,
      ip VARBINARY(16) NULL,
      created_at DATETIME NOT NULL,
      last_visit DATETIME NULL,
      PRIMARY KEY (visit_id, action_seq)
    ) ENGINE = InnoDB`);
  const now = Date.now();
  const day = 86_400_000;
  for (let start = 1; start <= rows; start += 1000) {
    const values: unknown[][] = [];
    for (let i = start; i < Math.min(start + 1000, rows + 1); i++) {
      const due = i % 2 === 0;
      values.push([
        Math.floor(i / 10),
        i % 10,
        `vis-${i}`,
        `https://shop.example/p/${i}`,
        Buffer.from([10, 0, i % 256, 7]),
        new Date(now - (due ? 12 * 365 : 365) * day),
        new Date(now - (due ? 4 * 365 : 10) * day),
      ]);
    }
    await db.query(
      `INSERT INTO \`${table}\` (visit_id, action_seq, visitor_ref, url, ip, created_at, last_visit) VALUES ?`,
      [values],
    );
  }
}

/** The visit_actions fields: all bound to purposes that are over for the due rows. */
export const VISIT_ACTION_FIELDS: FixtureField[] = [
  ['url', 'behaviour', { strategy: 'nullify' }, ['crm.support', 'marketing.newsletter']],
  ['ip', 'online_identifiers', { strategy: 'generalise' }, ['crm.support', 'billing.records']],
];
