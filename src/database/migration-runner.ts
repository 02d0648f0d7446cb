import { Logger } from '@nestjs/common';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';

/** Session advisory lock: one process at a time migrates a database (the API and its worker start together). */
const MIGRATION_LOCK = 0x46_49_4e_4d; // "FINM"
const CONNECT_ATTEMPTS = 4;
const CONNECT_RETRY_MS = 1_000;

/** The migration connection: MIGRATION_DATABASE_URL when set (the schema owner), else DATABASE_URL. */
export function buildMigrationDataSourceOptions(config: AppConfig): DataSourceOptions {
  const options = buildDataSourceOptions(config);
  if (config.embeddedDatabase || options.type !== 'postgres') return options;
  // Two connections: one holds the lock, one runs the migrations.
  return { ...options, url: config.MIGRATION_DATABASE_URL ?? config.DATABASE_URL, poolSize: 2 };
}

/**
 * Applies pending migrations on PostgreSQL before the application's data source opens, under a
 * session advisory lock so that instances starting together do not race (TypeORM's own
 * migrationsRun takes no lock). With MIGRATION_DATABASE_URL the service's own role needs no DDL
 * right at all. Each migration runs in its own transaction.
 */
export async function runMigrations(config: AppConfig): Promise<void> {
  const logger = new Logger('Migrations');
  const dataSource = new DataSource(buildMigrationDataSourceOptions(config));
  // As the app's own connection does (retryAttempts): the database may still be starting.
  for (let attempt = 1; ; attempt += 1) {
    try {
      await dataSource.initialize();
      break;
    } catch (err) {
      if (attempt >= CONNECT_ATTEMPTS) throw err;
      logger.warn(`Database not reachable for migrations (attempt ${attempt}/${CONNECT_ATTEMPTS}); retrying`);
      await new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_MS));
    }
  }
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) logger.log(`Applied ${applied.length} migration(s)`);
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  } finally {
    await lock.release();
    await dataSource.destroy();
  }
}

/**
 * The service should not run as a superuser: a superuser can switch off every guard of the audit
 * trail (docs/audit.md). Warn loudly rather than refuse, so that a first try with `postgres` works.
 */
export async function warnIfSuperuser(dataSource: DataSource): Promise<void> {
  const [row] = await dataSource.query<{ rolsuper: boolean }[]>(
    'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
  );
  if (row?.rolsuper) {
    new Logger('Database').warn(
      'DATABASE_URL connects as a superuser, which can disable the audit trail guards. In production, ' +
        'run the service as a non-superuser role and migrations through MIGRATION_DATABASE_URL (docs/operations.md).',
    );
  }
}
