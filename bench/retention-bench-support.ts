/**
 * What the PostgreSQL and MySQL retention benches share: the engine booted in process on a
 * temporary Finalité database with the register fed to it directly (one purpose, two fields of a
 * `customers` table), a run driven to its end, the batch figures from purge_batch, and the printed
 * comparison with the plain DELETE. Each bench keeps what differs: its customer database, its
 * seeding, its plain DELETE.
 */
import { randomBytes } from 'node:crypto';
import { Test, TestingModule } from '@nestjs/testing';
import { AppModule } from '../src/app.module';
import type { AppConfig } from '../src/config/app-config';
import { loadAppConfig } from '../src/config/app-config.loader';
import type { RetentionDatasetPlan } from '../src/modules/inventory/inventory.types';
import { PurposesService } from '../src/modules/purposes/purposes.service';
import { RetentionPlanSource } from '../src/modules/retention/retention-plan.source';
import { RetentionService } from '../src/modules/retention/retention.service';
import { SYSTEM_ACTOR } from '../src/policies/principal';
import { withPgClient } from './pg-admin';

export const BENCH_PURPOSE = 'bench.support';

export const fmt = (n: number) => n.toLocaleString('en');

/** The service's configuration for a bench: its own database and keys, no scheduler, no logs. */
export function benchConfig(
  databaseUrl: string,
  dataDir: string,
  overrides: Record<string, string>,
): AppConfig {
  return loadAppConfig({
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    RETENTION_SCHEDULER: 'off',
    ...overrides,
    AUDIT_HMAC_KEY: randomBytes(32).toString('base64'),
    SECRETS_KEY: randomBytes(32).toString('base64'),
    BOOTSTRAP_ADMIN_KEY: `fin_benchret_${randomBytes(32).toString('base64url')}`,
  });
}

/** The `customers` table's plan: email and name bound to BENCH_PURPOSE, one year after last interaction. */
export function customersPlan(system: {
  code: string;
  kind: 'postgres' | 'mysql';
  connectionString: string;
  schema: string;
}): RetentionDatasetPlan {
  return {
    system: {
      code: system.code,
      kind: system.kind as RetentionDatasetPlan['system']['kind'],
      connectionString: system.connectionString,
    },
    dataset: {
      id: '00000000-0000-4000-8000-000000000001',
      name: `${system.schema}.customers`,
      schema: system.schema,
      table: 'customers',
      primaryKey: ['id'],
      subjectColumn: 'customer_ref',
      timestampColumns: { lastInteraction: 'last_interaction', collection: 'created_at' },
    },
    fields: ['email', 'name'].map((column) => ({
      // The key as the inventory writes it: system, then (for MySQL) the database, table, column.
      key: `${system.code}.${system.kind === 'mysql' ? `${system.schema}.` : ''}customers.${column}`,
      column,
      dataCategory: 'contact',
      special: false,
      anonymisation: { strategy: 'nullify' as never },
      bindings: [{ purposeCode: BENCH_PURPOSE }],
    })),
  };
}

/** The whole service, compiled, with the register replaced by the plan (no inventory to seed). */
export function compileEngine(config: AppConfig, plan: RetentionDatasetPlan): Promise<TestingModule> {
  return Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
    .overrideProvider(RetentionPlanSource)
    .useValue({
      getRetentionPlan: async () => [plan],
      systemConnectionString: async () => plan.system.connectionString ?? null,
    })
    .compile();
}

/** Registers and activates the purpose the plan's bindings name. */
export async function activateBenchPurpose(purposes: PurposesService): Promise<void> {
  await purposes.create(
    {
      code: BENCH_PURPOSE,
      name: 'Customer support',
      legalBasis: 'contract',
      controller: { name: 'ACME SAS' },
      dataSubjectCategories: ['customers'],
      dataCategories: ['contact'],
      retention: { duration: 'P1Y', trigger: 'last_interaction' },
    } as never,
    SYSTEM_ACTOR,
  );
  await purposes.activate(BENCH_PURPOSE, SYSTEM_ACTOR);
}

export interface FinishedRun {
  runId: string;
  deleted: number;
  /** From the run's creation to the poll that saw it completed. */
  seconds: number;
  startedAt: number;
}

/** Starts a real run and polls it to its end; throws unless it completed. */
export async function runToCompletion(retention: RetentionService): Promise<FinishedRun> {
  const startedAt = performance.now();
  const run = await retention.createRun({ dryRun: false }, SYSTEM_ACTOR);
  let view = run!;
  while (!['completed', 'failed', 'cancelled'].includes(view.status)) {
    await new Promise((r) => setTimeout(r, 20));
    view = await retention.get(run!.id);
  }
  const seconds = (performance.now() - startedAt) / 1000;
  if (view.status !== 'completed') {
    throw new Error(`run ${view.status}: ${view.error ?? view.datasets[0]?.error}`);
  }
  return { runId: run!.id, deleted: view.totals.deleted, seconds, startedAt };
}

export interface BatchStats {
  batches: number;
  longest: number;
  p95: number;
}

/** How many batches the run took and how long their customer-side transactions lasted. */
export async function batchStats(finaliteUrl: string, runId: string): Promise<BatchStats> {
  return withPgClient(finaliteUrl, async (c) => {
    const { rows } = await c.query<BatchStats>(
      `SELECT count(*)::int AS batches, max(duration_ms)::int AS longest,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)::int AS p95
         FROM purge_batch WHERE run_id = $1`,
      [runId],
    );
    return rows[0];
  });
}

/** The rows/s table and the ratio line, in the issue's terms. */
export function printComparison(
  label: string,
  engine: { deleted: number; seconds: number },
  plain: { deleted: number; seconds: number },
): void {
  const engineRate = engine.deleted / engine.seconds;
  const plainRate = plain.deleted / plain.seconds;
  console.log('');
  console.log(`| ${label} | engine | plain DELETE |`);
  console.log('| --- | ---: | ---: |');
  console.log(`| rows deleted | ${fmt(engine.deleted)} | ${fmt(plain.deleted)} |`);
  console.log(`| seconds | ${engine.seconds.toFixed(2)} | ${plain.seconds.toFixed(2)} |`);
  console.log(`| rows/s | ${fmt(Math.round(engineRate))} | ${fmt(Math.round(plainRate))} |`);
  console.log('');
  console.log(
    `ratio engine / plain DELETE: ${((engineRate / plainRate) * 100).toFixed(1)} % (target ≥ 50 %)`,
  );
}

export function printBatches(stats: BatchStats): void {
  console.log(
    `batches: ${stats.batches}, longest batch transaction: ${stats.longest} ms, p95 ${stats.p95} ms (target ≤ 200 ms)`,
  );
}
