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
import { Test } from '@nestjs/testing';
import { Client } from 'pg';
import { AppModule } from '../src/app.module';
import { loadAppConfig } from '../src/config/app-config.loader';
import type { RetentionDatasetPlan } from '../src/modules/inventory/inventory.types';
import { PurposesService } from '../src/modules/purposes/purposes.service';
import { RetentionPlanSource } from '../src/modules/retention/retention-plan.source';
import { RetentionService } from '../src/modules/retention/retention.service';
import { SYSTEM_ACTOR } from '../src/policies/principal';
import { runMysqlBench } from './retention-mysql.bench';

const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const BATCH_SIZE = process.env.BENCH_BATCH_SIZE ? Number(process.env.BENCH_BATCH_SIZE) : undefined;

async function main(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const crmDb = `fin_bench_crm_${suffix}`;
  const finDb = `fin_bench_ret_${suffix}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'finalite-bench-'));
  await admin((c) => c.query(`CREATE DATABASE "${crmDb}"`));
  await admin((c) => c.query(`CREATE DATABASE "${finDb}"`));
  const crmUrl = urlOf(crmDb);
  const crm = new Client({ connectionString: crmUrl });
  await crm.connect();
  try {
    log(`seeding ${ROWS.toLocaleString('en')} rows (half due) and a copy…`);
    await seed(crm);

    const config = loadAppConfig({
      DATABASE_URL: urlOf(finDb),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      RETENTION_SCHEDULER: 'off',
      ...(BATCH_SIZE ? { RETENTION_BATCH_SIZE: String(BATCH_SIZE) } : {}),
      AUDIT_HMAC_KEY: randomBytes(32).toString('base64'),
      SECRETS_KEY: randomBytes(32).toString('base64'),
      BOOTSTRAP_ADMIN_KEY: `fin_benchret_${randomBytes(32).toString('base64url')}`,
    });
    const plan: RetentionDatasetPlan = {
      system: {
        code: 'crm',
        kind: 'postgres' as RetentionDatasetPlan['system']['kind'],
        connectionString: crmUrl,
      },
      dataset: {
        id: '00000000-0000-4000-8000-000000000001',
        name: 'public.customers',
        schema: 'public',
        table: 'customers',
        primaryKey: ['id'],
        subjectColumn: 'customer_ref',
        timestampColumns: { lastInteraction: 'last_interaction', collection: 'created_at' },
      },
      fields: ['email', 'name'].map((column) => ({
        key: `crm.customers.${column}`,
        column,
        dataCategory: 'contact',
        special: false,
        anonymisation: { strategy: 'nullify' as never },
        bindings: [{ purposeCode: 'bench.support' }],
      })),
    };
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
      .overrideProvider(RetentionPlanSource)
      .useValue({
        getRetentionPlan: async () => [plan],
        systemConnectionString: async () => plan.system.connectionString ?? null,
      })
      .compile();
    // No HTTP: the engine alone (an HTTP application would need an adapter, ADR 0044).
    moduleRef.useLogger(false);
    const app = await moduleRef.init();
    try {
      const purposes = app.get(PurposesService);
      await purposes.create(
        {
          code: 'bench.support',
          name: 'Customer support',
          legalBasis: 'contract',
          controller: { name: 'ACME SAS' },
          dataSubjectCategories: ['customers'],
          dataCategories: ['contact'],
          retention: { duration: 'P1Y', trigger: 'last_interaction' },
        } as never,
        SYSTEM_ACTOR,
      );
      await purposes.activate('bench.support', SYSTEM_ACTOR);

      const retention = app.get(RetentionService);
      await checkpoint(crm);
      log(
        `engine purge, batches of ${config.RETENTION_BATCH_SIZE} at most${BATCH_SIZE ? '' : ' (the default)'}…`,
      );
      const started = performance.now();
      const run = await retention.createRun({ dryRun: false }, SYSTEM_ACTOR);
      let view = run!;
      while (!['completed', 'failed', 'cancelled'].includes(view.status)) {
        await new Promise((r) => setTimeout(r, 20));
        view = await retention.get(run!.id);
      }
      const engineSeconds = (performance.now() - started) / 1000;
      if (view.status !== 'completed') throw new Error(`run ${view.status}: ${view.error}`);
      const fin = new Client({ connectionString: urlOf(finDb) });
      await fin.connect();
      const [stats] = (
        await fin.query<{ batches: number; longest: number; p95: number }>(
          `SELECT count(*)::int AS batches, max(duration_ms)::int AS longest,
                  percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)::int AS p95
             FROM purge_batch WHERE run_id = $1`,
          [run!.id],
        )
      ).rows;
      await fin.end();

      await checkpoint(crm);
      log('plain DELETE on the copy…');
      const plainStarted = performance.now();
      const plain = await crm.query(
        `DELETE FROM customers_copy WHERE last_interaction IS NOT NULL AND last_interaction + interval '1 year' < now()`,
      );
      const plainSeconds = (performance.now() - plainStarted) / 1000;

      const [left] = (await crm.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers`)).rows;
      const engineRate = view.totals.deleted / engineSeconds;
      const plainRate = (plain.rowCount ?? 0) / plainSeconds;
      console.log('');
      console.log('| measure | engine | plain DELETE |');
      console.log('| --- | ---: | ---: |');
      console.log(`| rows deleted | ${fmt(view.totals.deleted)} | ${fmt(plain.rowCount ?? 0)} |`);
      console.log(`| seconds | ${engineSeconds.toFixed(2)} | ${plainSeconds.toFixed(2)} |`);
      console.log(`| rows/s | ${fmt(Math.round(engineRate))} | ${fmt(Math.round(plainRate))} |`);
      console.log('');
      console.log(
        `ratio engine / plain DELETE: ${((engineRate / plainRate) * 100).toFixed(1)} % (target ≥ 50 %)`,
      );
      console.log(
        `batches: ${stats.batches}, longest batch transaction: ${stats.longest} ms, p95 ${stats.p95} ms (target ≤ 200 ms)`,
      );
      console.log(
        `rows left in the purged table: ${fmt(left.n)} (expected ${fmt(ROWS - view.totals.deleted)})`,
      );
    } finally {
      await app.close();
    }
  } finally {
    await crm.end();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS "${crmDb}" WITH (FORCE)`));
    await admin((c) => c.query(`DROP DATABASE IF EXISTS "${finDb}" WITH (FORCE)`));
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

function urlOf(db: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${db}`;
  return url.toString();
}

async function admin<T>(work: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

const fmt = (n: number) => n.toLocaleString('en');
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
