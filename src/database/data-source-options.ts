import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { SnakeNamingStrategy } from './snake-naming.strategy';
import { createPgliteDriver } from './pglite/pglite-driver';
import { TypeOrmLogger } from './typeorm-logger';

/**
 * One definition of the data source for the app, the tests and the migration CLI.
 * Migrations are found by glob so they load both from sources (ts-jest, CLI) and from dist/.
 * `synchronize` is never used: the schema comes only from migrations/.
 */
export function buildDataSourceOptions(config: AppConfig): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities: [join(__dirname, '..', '**', '*.entity.{ts,js}')],
    migrations: [join(__dirname, '..', '..', 'migrations', '*-*.{ts,js}')],
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each' as const,
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    logging: ['error' as const, 'warn' as const, 'migration' as const],
    logger: new TypeOrmLogger(),
    // The migrations give every uuid key DEFAULT gen_random_uuid() (core since PostgreSQL 13), so
    // TypeORM's CREATE EXTENSION "uuid-ossp" at connect is useless: it only warned where it cannot
    // run (PGlite, a role without the right). pgcrypto names gen_random_uuid() for
    // migration:generate.
    installExtensions: false,
    uuidExtension: 'pgcrypto' as const,
  };
  if (config.embeddedDatabase) {
    return {
      ...common,
      driver: createPgliteDriver(join(config.DATA_DIR, 'pgdata')),
      // One exclusive session: see PglitePgPool.
      poolSize: 1,
    };
  }
  return {
    ...common,
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    extra: { application_name: 'finalite', connectionTimeoutMillis: 5_000 },
  };
}
