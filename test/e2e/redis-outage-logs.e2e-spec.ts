import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testRedisPrefix } from '../utils/redis-keys';
import { TEST_SECRETS } from '../utils/test-app';
import { createTestDatabase, TestDatabase, until } from '../utils/test-database';
import { killHard } from '../utils/worker-process';

/** A port nothing listens on: bound by the OS for us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * With Redis unreachable, BullMQ's queue and worker errors go through the JSON logger: no raw
 * console.error stack on stderr, every stdout line is JSON, and repeated errors are summarised.
 */
describe('Redis unreachable: BullMQ errors in the JSON log', () => {
  let db: TestDatabase;
  const dataDir = mkdtempSync(join(tmpdir(), 'finalite-redis-down-'));

  beforeAll(async () => {
    db = await createTestDatabase('redis_down');
  });

  afterAll(async () => {
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the worker logs Redis errors as JSON lines only', async () => {
    const port = await closedPort();
    const child = fork(join(__dirname, '..', '..', 'src', 'worker.ts'), [], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: {
        PATH: process.env.PATH ?? '',
        TS_NODE_PROJECT: join(__dirname, '..', '..', 'tsconfig.json'),
        DATABASE_URL: db.url,
        DATA_DIR: dataDir,
        REDIS_URL: `redis://127.0.0.1:${port}`,
        REDIS_PREFIX: testRedisPrefix(),
        AUDIT_HMAC_KEY: TEST_SECRETS.AUDIT_HMAC_KEY,
        SECRETS_KEY: TEST_SECRETS.SECRETS_KEY,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    try {
      // The first Redis error, reported either way; then a few reconnection attempts (every 0.2–2 s).
      await until(
        'a Redis error',
        () => Promise.resolve(/REDIS_|ECONNREFUSED/.test(stdout + stderr)),
        45_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    } finally {
      await killHard(child);
    }
    expect(stderr).toBe('');
    const lines = stdout.split('\n').filter((line) => line.trim() !== '');
    const notJson = lines.filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    const redisErrors = lines
      .map((line) => JSON.parse(line) as { code?: string; err?: { stack?: string } })
      .filter((l) => l.code === 'REDIS_ECONNREFUSED');
    // One line with the error and its stack; the retries after it are counted, not logged each.
    expect(redisErrors).toHaveLength(1);
    expect(redisErrors[0].err?.stack).toContain('ECONNREFUSED');
  });
});
