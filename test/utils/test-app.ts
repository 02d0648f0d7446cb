import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { AppConfig, loadAppConfig } from '../../src/config/app-config';
import { Role } from '../../src/policies/role.enum';
import { createTestDatabase, TestDatabase } from './test-database';

export interface TestAppOptions {
  /** 'postgres' (default): a fresh database on the local server; 'pglite': the embedded default. */
  database?: 'postgres' | 'pglite';
  /** Reuse an existing database (second instance, restart) instead of creating one. */
  databaseUrl?: string;
  /** Reuse a data directory (restart on PGlite, shared secrets). */
  dataDir?: string;
  /** Extra environment for this instance (e.g. REDIS_URL). */
  env?: Record<string, string>;
  label?: string;
}

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  /** Database URL (postgres) or data dir (pglite) of this instance. */
  databaseUrl?: string;
  dataDir: string;
  /** Unauthenticated requests. */
  http(): request.Agent;
  /** Requests as a principal holding `role` (keys are provisioned once per app). */
  as(role: Role): request.Agent;
  /** Stops the app; drops the database and data dir it created (not ones it was given). */
  close(): Promise<void>;
}

/** Fixed per run so that several instances of one suite share secrets, as a real deployment must. */
export const TEST_SECRETS = {
  BOOTSTRAP_ADMIN_KEY: `fin_test_${randomBytes(24).toString('base64url')}`,
  AUDIT_HMAC_KEY: randomBytes(32).toString('base64'),
  SECRETS_KEY: randomBytes(32).toString('base64'),
};

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const label =
    options.label ?? expect.getState().testPath?.split('/').pop()?.replace(/\..*$/, '') ?? 'suite';
  let createdDb: TestDatabase | undefined;
  let databaseUrl = options.databaseUrl;
  if (!databaseUrl && (options.database ?? 'postgres') === 'postgres') {
    createdDb = await createTestDatabase(label);
    databaseUrl = createdDb.url;
  }
  const ownsDataDir = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'finalite-test-'));
  const config = loadAppConfig({
    ...TEST_SECRETS,
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    REDIS_PREFIX: `fintest:${randomBytes(4).toString('hex')}`,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...options.env,
  });

  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false });
  configureApp(app, config);
  await app.init();

  const keys = new Map<Role, string>();
  const server = app.getHttpServer();
  const testApp: TestApp = {
    app,
    config,
    databaseUrl: databaseUrl ?? dataDir,
    dataDir,
    http: () => request.agent(server),
    as: (role: Role) => {
      const agent = request.agent(server);
      const key = keys.get(role);
      return key ? agent.set('Authorization', `Bearer ${key}`) : agent;
    },
    close: async () => {
      await app.close();
      if (createdDb) await createdDb.drop();
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return testApp;
}
