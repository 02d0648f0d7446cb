import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { configureApp, createHttpAdapter } from '../../src/app.setup';
import { AppConfig } from '../../src/config/app-config';
import { loadAppConfig } from '../../src/config/app-config.loader';
import { BootstrapAdminService } from '../../src/modules/auth/bootstrap-admin.service';
import { Role } from '../../src/policies/role.enum';
import { testRedisPrefix, trackRedisPrefix } from './redis-keys';
import { seedEmbeddedDatabase } from './pglite-template';
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
  /**
   * Provision one principal per role through the API with the bootstrap admin key (default true).
   * Off for suites that test the first start itself.
   */
  provision?: boolean;
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** Database URL (postgres) or data dir (pglite) of this instance. */
  databaseUrl?: string;
  dataDir: string;
  /** API key per role (admin: the bootstrap admin key). Empty when provisioning is off. */
  keys: Partial<Record<Role, string>>;
  /** Principal id per role. Instances sharing a database share these principals. */
  principalIds: Partial<Record<Role, string>>;
  /** Unauthenticated requests. */
  http(): request.Agent;
  /** Requests as a principal holding `role` (keys are provisioned once per app). */
  as(role: Role): request.Agent;
  /** Requests with an explicit API key. */
  withKey(key: string): request.Agent;
  /** Sets the purposes the application principal may invoke (PUT /principals/{id}/purposes, as admin). */
  authoriseApplication(purposeCodes: string[]): Promise<void>;
  /** Stops the app; drops the database and data dir it created (not ones it was given). */
  close(): Promise<void>;
}

/** Fixed per run so that several instances of one suite share secrets, as a real deployment must. */
export const TEST_SECRETS = {
  // Shaped like a generated key (fin_<8-char prefix>_<secret>), so listings show "fin_testboot".
  BOOTSTRAP_ADMIN_KEY: `fin_testboot_${randomBytes(32).toString('base64url')}`,
  AUDIT_HMAC_KEY: randomBytes(32).toString('base64'),
  SECRETS_KEY: randomBytes(32).toString('base64'),
};

/** Name of the principal provisioned for a role; found again by name when a database is reused. */
export const testPrincipalName = (role: Role): string => `test ${role}`;

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
  // A new embedded database: from the shared empty cluster (initdb done once per machine).
  if (!databaseUrl) seedEmbeddedDatabase(dataDir);
  const config = loadAppConfig({
    ...TEST_SECRETS,
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    REDIS_PREFIX: testRedisPrefix(),
    // The matrix and sweep suites send thousands of bad keys from 127.0.0.1 on purpose.
    AUTH_FAILURES_PER_MINUTE: '1000000',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...options.env,
  });
  if (config.REDIS_URL) trackRedisPrefix(config.REDIS_PREFIX);

  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(config), {
    bodyParser: false,
    logger: false,
  });
  configureApp(app, config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  // As main.ts does once the port is bound (tests serve through supertest, without a port).
  await app.get(BootstrapAdminService).ensureAdmin();

  const server = app.getHttpServer();
  const withKey = (key: string) => request.agent(server).set('Authorization', `Bearer ${key}`);
  const keys: Partial<Record<Role, string>> = {};
  const principalIds: Partial<Record<Role, string>> = {};
  const close = async () => {
    await app.close();
    if (createdDb) await createdDb.drop();
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  if ((options.provision ?? true) && config.BOOTSTRAP_ADMIN_KEY) {
    try {
      await provisionPrincipals(withKey, config.BOOTSTRAP_ADMIN_KEY, keys, principalIds);
    } catch (e) {
      await close();
      throw e;
    }
  }

  return {
    app,
    config,
    databaseUrl: databaseUrl ?? dataDir,
    dataDir,
    keys,
    principalIds,
    http: () => request.agent(server),
    as: (role: Role) => {
      const key = keys[role];
      return key ? withKey(key) : request.agent(server);
    },
    withKey,
    authoriseApplication: async (purposeCodes: string[]) => {
      const appId = principalIds[Role.Application];
      if (!appId || !keys[Role.Admin]) throw new Error('No application principal was provisioned');
      const res = await withKey(keys[Role.Admin]).put(`/principals/${appId}/purposes`).send({ purposeCodes });
      if (res.status !== 200) {
        throw new Error(`authoriseApplication failed: ${res.status} ${JSON.stringify(res.body)}`);
      }
    },
    close,
  };
}

/**
 * Through the real API, as the bootstrap admin: one principal per non-admin role, created once
 * per database (a second instance on the same database gets a new key for the same principals).
 */
async function provisionPrincipals(
  withKey: (key: string) => request.Agent,
  adminKey: string,
  keys: Partial<Record<Role, string>>,
  principalIds: Partial<Record<Role, string>>,
): Promise<void> {
  const admin = () => withKey(adminKey);
  const me = await admin().get('/me');
  expectStatus(me, 200, 'GET /me as the bootstrap admin');
  keys[Role.Admin] = adminKey;
  principalIds[Role.Admin] = me.body.id as string;

  const existing = await admin().get('/principals').query({ limit: 500 });
  expectStatus(existing, 200, 'GET /principals');
  const byName = new Map<string, { id: string; disabled: boolean }>(
    (existing.body.items as { id: string; name: string; disabled: boolean }[]).map((p) => [p.name, p]),
  );
  for (const role of [Role.Dpo, Role.Auditor, Role.Application]) {
    const found = byName.get(testPrincipalName(role));
    if (found && !found.disabled) {
      const created = await admin().post(`/principals/${found.id}/keys`).send({ label: 'test instance' });
      expectStatus(created, 201, `POST /principals/${found.id}/keys`);
      keys[role] = created.body.key as string;
      principalIds[role] = found.id;
    } else {
      const created = await admin()
        .post('/principals')
        .send({ name: testPrincipalName(role), roles: [role] });
      expectStatus(created, 201, 'POST /principals');
      keys[role] = created.body.key as string;
      principalIds[role] = created.body.id as string;
    }
  }
}

function expectStatus(res: request.Response, status: number, what: string): void {
  if (res.status !== status) {
    throw new Error(`Test provisioning: ${what} answered ${res.status} ${JSON.stringify(res.body)}`);
  }
}
