import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { AppModule } from '../src/app.module';
import { configureApp, createHttpAdapter } from '../src/app.setup';
import { loadAppConfig } from '../src/config/app-config.loader';

/**
 * `npm run api:generate`: boots the app on a throw-away embedded database (no DATABASE_URL needed),
 * reads its /docs-json and regenerates the console's typed client (web/src/api/schema.d.ts).
 * With --check, only compares (test/e2e/console-api-schema.e2e-spec.ts does the same in CI).
 */
async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'finalite-openapi-'));
  const config = loadAppConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    RETENTION_SCHEDULER: 'off',
    // A throw-away admin, so that the first start prints no key.
    BOOTSTRAP_ADMIN_KEY: randomBytes(32).toString('base64url'),
  });
  // The service's own adapter (Fastify): Express is not installed since the move (ADR 0044).
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    createHttpAdapter(config),
    { bodyParser: false, logger: false },
  );
  try {
    configureApp(app, config);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    const res = await request(app.getHttpServer()).get('/docs-json').expect(200);
    const file = join(dataDir, 'openapi.json');
    writeFileSync(file, JSON.stringify(res.body));
    const run = spawnSync(
      process.execPath,
      [join(__dirname, '..', 'web', 'scripts', 'generate-api-schema.mjs'), file, ...process.argv.slice(2)],
      { stdio: 'inherit' },
    );
    process.exitCode = run.status ?? 1;
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
