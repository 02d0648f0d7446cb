import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleLogger, type LoggerService, type ModuleMetadata, type Type } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test, TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../../src/config/app-config';
import { loadAppConfig } from '../../src/config/app-config.loader';
import { AppConfigModule } from '../../src/config/config.module';
import { DatabaseModule } from '../../src/database/database.module';
import { AuditModule } from '../../src/modules/audit/audit.module';
import { RegisterRevisionModule } from '../../src/modules/register-revision/register-revision.module';
import { PoliciesModule } from '../../src/policies/policies.module';
import { TEST_SECRETS } from './test-app';
import { createTestDatabase, TestDatabase } from './test-database';

/**
 * The middle test tier: one module's services against a real PostgreSQL database (migrated, its
 * own per suite), without the HTTP stack, the guards or the other feature modules. The global
 * infrastructure every service may inject (config, TypeORM, audit trail, register revision, CASL
 * abilities, events) is there, as in the app; anything else a module needs it imports itself.
 */
export interface IntegrationContext {
  moduleRef: TestingModule;
  dataSource: DataSource;
  config: AppConfig;
  databaseUrl: string;
  get<T>(type: Type<T>): T;
  close(): Promise<void>;
}

export interface IntegrationOptions {
  imports?: ModuleMetadata['imports'];
  providers?: ModuleMetadata['providers'];
  env?: Record<string, string>;
  label?: string;
}

/** Services log through Nest's Logger; a suite that wants their lines sets TEST_LOG_LEVEL. */
const SILENT_LOGGER: LoggerService = { log: () => {}, error: () => {}, warn: () => {} };

export async function startIntegrationModule(options: IntegrationOptions = {}): Promise<IntegrationContext> {
  const label =
    options.label ?? expect.getState().testPath?.split('/').pop()?.replace(/\..*$/, '') ?? 'integration';
  const db: TestDatabase = await createTestDatabase(label);
  const dataDir = mkdtempSync(join(tmpdir(), 'finalite-int-'));
  const config = loadAppConfig({
    ...TEST_SECRETS,
    DATA_DIR: dataDir,
    DATABASE_URL: db.url,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  });
  let moduleRef: TestingModule | undefined;
  const close = async () => {
    if (moduleRef) await moduleRef.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    moduleRef = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule,
        EventEmitterModule.forRoot({ wildcard: false }),
        PoliciesModule,
        RegisterRevisionModule,
        AuditModule,
        ...(options.imports ?? []),
      ],
      providers: options.providers ?? [],
    })
      .setLogger(process.env.TEST_LOG_LEVEL ? new ConsoleLogger() : SILENT_LOGGER)
      .compile();
    await moduleRef.init();
  } catch (e) {
    await close();
    throw e;
  }
  const ref = moduleRef;
  return {
    moduleRef: ref,
    dataSource: ref.get<DataSource>(getDataSourceToken()),
    config,
    databaseUrl: db.url,
    get: <T>(type: Type<T>) => ref.get(type, { strict: false }),
    close,
  };
}
