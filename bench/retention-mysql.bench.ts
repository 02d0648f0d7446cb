/**
 * npm run bench:retention -- --kind mysql — the mysql executor's purge against one plain DELETE.
 *
 * Creates a temporary MariaDB/MySQL database with a table of BENCH_ROWS rows (default 1,000,000)
 * of which half are due, and an identical copy. Boots the engine in process on a temporary
 * Finalité database (PostgreSQL), purges the table with a real run (keyset batches, the ledger
 * table, prepared/committed records, one audit event per batch), then runs `DELETE … WHERE` of the
 * same rows on the copy. Prints rows/s of each, the ratio, and the longest batch transaction
 * (START TRANSACTION to COMMIT: how long a batch could hold InnoDB row locks); then both times
 * again, up to the moment InnoDB has purged the rows each deleted (bench/innodb-purge.ts): the
 * ratio as the issue defines it is the first one. Not a test: it prints, it does not assert.
 * Drops its databases.
 *
 * Environment: BENCH_MYSQL_ADMIN_URL (mysql://root@127.0.0.1:3306/mysql), BENCH_PG_ADMIN_URL,
 * BENCH_ROWS, BENCH_MYSQL_BATCH_SIZE (default: the engine's RETENTION_MYSQL_BATCH_SIZE, 5,000).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { createHttpAdapter } from '../src/app.setup';
import { PurposesService } from '../src/modules/purposes/purposes.service';
import { RetentionService } from '../src/modules/retention/retention.service';
import { InnodbPurgeWatch } from './innodb-purge';
import {
  activateBenchPurpose,
  batchStats,
  benchConfig,
  compileEngine,
  customersPlan,
  fmt,
  printBatches,
  printComparison,
  runToCompletion,
} from './retention-bench-support';
import { databaseUrl, withPgClient } from './pg-admin';

const MYSQL_ADMIN_URL = process.env.BENCH_MYSQL_ADMIN_URL ?? 'mysql://root@127.0.0.1:3306/mysql';
const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const BATCH_SIZE = process.env.BENCH_MYSQL_BATCH_SIZE;

export async function runMysqlBench(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const shopDb = `fin_bench_shop_${suffix}`;
  const finDb = `fin_bench_myret_${suffix}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'finalite-bench-'));
  const admin = await connect(MYSQL_ADMIN_URL);
  await admin.query(`CREATE DATABASE \`${shopDb}\``);
  await withPgClient(PG_ADMIN_URL, (c) => c.query(`CREATE DATABASE "${finDb}"`));
  const shopUrl = databaseUrl(MYSQL_ADMIN_URL, shopDb);
  const finUrl = databaseUrl(PG_ADMIN_URL, finDb);
  const shop = await connect(shopUrl);
  try {
    log(`seeding ${fmt(ROWS)} rows (half due) and a copy…`);
    await seed(shop);
    const config = benchConfig(finUrl, dataDir, BATCH_SIZE ? { RETENTION_MYSQL_BATCH_SIZE: BATCH_SIZE } : {});
    const plan = customersPlan({ code: 'shop', kind: 'mysql', connectionString: shopUrl, schema: shopDb });
    const moduleRef = await compileEngine(config, plan);
    const app = moduleRef.createNestApplication(createHttpAdapter(config), {
      bodyParser: false,
      logger: false,
    });
    await app.init();
    // Switched on for the bench's measures, and back off (if it was off) whatever happens.
    let purge: InnodbPurgeWatch | null = null;
    try {
      await activateBenchPurpose(app.get(PurposesService));

      purge = await InnodbPurgeWatch.open(admin);
      log(`engine purge, batches of ${BATCH_SIZE ?? config.RETENTION_MYSQL_BATCH_SIZE}…`);
      const enginePurgedFrom = (await purge?.purged()) ?? 0;
      const engine = await runToCompletion(app.get(RetentionService));
      const enginePurged = (await purge?.until(enginePurgedFrom, engine.deleted))
        ? (performance.now() - engine.startedAt) / 1000
        : null;
      const stats = await batchStats(finUrl, engine.runId);

      log('plain DELETE on the copy…');
      const plainPurgedFrom = (await purge?.purged()) ?? 0;
      const plainStarted = performance.now();
      const [plain] = await shop.query<ResultSetHeader>(
        `DELETE FROM customers_copy WHERE last_interaction IS NOT NULL AND last_interaction + INTERVAL 1 YEAR < UTC_TIMESTAMP()`,
      );
      const plainSeconds = (performance.now() - plainStarted) / 1000;
      const plainPurged = (await purge?.until(plainPurgedFrom, plain.affectedRows))
        ? (performance.now() - plainStarted) / 1000
        : null;
      const [[left]] = await shop.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM customers`);
      printComparison('measure (mysql)', engine, { deleted: plain.affectedRows, seconds: plainSeconds });
      console.log(
        enginePurged !== null && plainPurged !== null
          ? `until InnoDB has purged the deleted rows (its background work after COMMIT): engine ` +
              `${enginePurged.toFixed(2)} s, plain DELETE ${plainPurged.toFixed(2)} s, ratio ` +
              `${((plainPurged / enginePurged) * 100).toFixed(1)} %`
          : 'the InnoDB purge could not be watched (needs SUPER): figures at COMMIT only',
      );
      printBatches(stats);
      console.log(
        `rows left in the purged table: ${fmt(Number(left.n))} (expected ${fmt(ROWS - engine.deleted)})`,
      );
    } finally {
      await purge?.close();
      await app.close();
    }
  } finally {
    await shop.end();
    await admin.query(`DROP DATABASE IF EXISTS \`${shopDb}\``);
    await admin.end();
    await withPgClient(PG_ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS "${finDb}" WITH (FORCE)`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function seed(shop: Connection): Promise<void> {
  await shop.query(`
    CREATE TABLE customers (
      id BIGINT NOT NULL PRIMARY KEY,
      customer_ref VARCHAR(40) NOT NULL,
      email VARCHAR(255),
      name VARCHAR(255),
      created_at DATETIME NOT NULL,
      last_interaction DATETIME
    ) ENGINE = InnoDB`);
  // Chunks of 100,000 from a generated sequence (no temporary table, no client round trip per row).
  for (let from = 1; from <= ROWS; from += 100_000) {
    const to = Math.min(from + 99_999, ROWS);
    await shop.query(
      `INSERT INTO customers
       WITH RECURSIVE d(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM d WHERE i < 9),
         n(i) AS (SELECT a.i + 10 * b.i + 100 * c.i + 1000 * e.i + 10000 * f.i
                    FROM d a, d b, d c, d e, d f)
       SELECT ? + n.i, CONCAT('cust-', ? + n.i), CONCAT('c', ? + n.i, '@example.com'), CONCAT('Name ', ? + n.i),
              UTC_TIMESTAMP() - INTERVAL 5 YEAR,
              IF((? + n.i) % 2 = 0, UTC_TIMESTAMP() - INTERVAL 3 YEAR, UTC_TIMESTAMP() - INTERVAL 30 DAY)
         FROM n WHERE ? + n.i <= ?`,
      [from, from, from, from, from, from, to],
    );
  }
  await shop.query(`CREATE TABLE customers_copy LIKE customers`);
  await shop.query(`INSERT INTO customers_copy SELECT * FROM customers`);
  await shop.query(`ANALYZE TABLE customers, customers_copy`);
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
  });
  await c.query(`SET time_zone = '+00:00'`);
  return c;
}

const log = (message: string) => console.log(`[bench:retention mysql] ${message}`);
