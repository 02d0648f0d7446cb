/**
 * npm run bench:retention — the retention engine's purge against one plain DELETE.
 *
 * Creates a temporary "CRM" database with a table of BENCH_ROWS rows (default 1,000,000) of
 * which half are due, and an identical copy of it. Boots the engine in process on a temporary
 * Finalité database (the register is fed directly to the engine: one purpose, two fields),
 * purges the table with a real run (batches, cursor, prepared/committed records, one audit event
 * per batch), then runs `DELETE … WHERE` of the same rows on the copy. Prints rows/s of each,
 * the ratio, and the longest batch transaction (from BEGIN to COMMIT in the customer database).
 * Not a test: it prints, it does not assert. Drops both databases.
 *
 * `-- --kind mysql` runs the same comparison on MySQL/MariaDB (bench/retention-mysql.bench.ts).
 *
 * Environment: BENCH_PG_ADMIN_URL, BENCH_ROWS (default 1,000,000; 10,000,000 shows that the cost
 * stays linear: several minutes here), BENCH_BATCH_SIZE (default: the service's own default
 * RETENTION_BATCH_SIZE, as the issue asks; the original figures were at 5000).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { RetentionService } from '../src/modules/retention/retention.service';
import { PurposesService } from '../src/modules/purposes/purposes.service';
import { runMysqlBench } from './retention-mysql.bench';
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

const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const BATCH_SIZE = process.env.BENCH_BATCH_SIZE ? Number(process.env.BENCH_BATCH_SIZE) : undefined;

async function main(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const crmDb = `fin_bench_crm_${suffix}`;
  const finDb = `fin_bench_ret_${suffix}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'finalite-bench-'));
  await withPgClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE "${crmDb}"`));
  await withPgClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE "${finDb}"`));
  const crmUrl = databaseUrl(ADMIN_URL, crmDb);
  const finUrl = databaseUrl(ADMIN_URL, finDb);
  const crm = new Client({ connectionString: crmUrl });
  await crm.connect();
  try {
    log(`seeding ${ROWS.toLocaleString('en')} rows (half due) and a copy…`);
    await seed(crm);

    const config = benchConfig(
      finUrl,
      dataDir,
      BATCH_SIZE ? { RETENTION_BATCH_SIZE: String(BATCH_SIZE) } : {},
    );
    const plan = customersPlan({ code: 'crm', kind: 'postgres', connectionString: crmUrl, schema: 'public' });
    const moduleRef = await compileEngine(config, plan);
    // No HTTP: the engine alone (an HTTP application would need an adapter, ADR 0044).
    moduleRef.useLogger(false);
    const app = await moduleRef.init();
    try {
      await activateBenchPurpose(app.get(PurposesService));

      await checkpoint(crm);
      log(
        `engine purge, batches of ${config.RETENTION_BATCH_SIZE} at most${BATCH_SIZE ? '' : ' (the default)'}…`,
      );
      const engine = await runToCompletion(app.get(RetentionService));
      const stats = await batchStats(finUrl, engine.runId);

      await checkpoint(crm);
      log('plain DELETE on the copy…');
      const plainStarted = performance.now();
      const plain = await crm.query(
        `DELETE FROM customers_copy WHERE last_interaction IS NOT NULL AND last_interaction + interval '1 year' < now()`,
      );
      const plainSeconds = (performance.now() - plainStarted) / 1000;

      const [left] = (await crm.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers`)).rows;
      printComparison('measure', engine, { deleted: plain.rowCount ?? 0, seconds: plainSeconds });
      printBatches(stats);
      console.log(`rows left in the purged table: ${fmt(left.n)} (expected ${fmt(ROWS - engine.deleted)})`);
    } finally {
      await app.close();
    }
  } finally {
    await crm.end();
    await withPgClient(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS "${crmDb}" WITH (FORCE)`));
    await withPgClient(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS "${finDb}" WITH (FORCE)`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function seed(crm: Client): Promise<void> {
  for (const table of ['customers', 'customers_copy']) {
    await crm.query(`
      CREATE TABLE ${table} (
        id bigint PRIMARY KEY,
        customer_ref text NOT NULL,
        email text,
        name text,
        created_at timestamptz NOT NULL,
        last_interaction timestamptz
      )`);
    await crm.query(
      `INSERT INTO ${table}
       SELECT i, 'cust-' || i, 'c' || i || '@example.com', 'Name ' || i, now() - interval '5 years',
              CASE WHEN i % 2 = 0 THEN now() - interval '3 years' ELSE now() - interval '30 days' END
         FROM generate_series(1, $1::int) AS i`,
      [ROWS],
    );
    await crm.query(`VACUUM ANALYZE ${table}`);
  }
}

const log = (message: string) => console.log(`[bench:retention] ${message}`);

/**
 * Writes the dirty pages out before a measured phase, so that neither the engine nor the plain
 * DELETE pays for a checkpoint that the seeding (or the other phase) made due. Needs superuser or
 * pg_checkpoint; skipped otherwise.
 */
async function checkpoint(c: Client): Promise<void> {
  try {
    await c.query('CHECKPOINT');
  } catch (e) {
    log(`no CHECKPOINT before the measure (${(e as Error).message}): figures are noisier`);
  }
}

/** `--kind mysql`: the mysql executor on the local MariaDB/MySQL (bench/retention-mysql.bench.ts). */
function kind(): string {
  const i = process.argv.indexOf('--kind');
  return i >= 0 ? (process.argv[i + 1] ?? 'postgres') : 'postgres';
}

(kind() === 'mysql' ? runMysqlBench() : main()).then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
