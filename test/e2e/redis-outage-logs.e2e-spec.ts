import { Logger } from '@nestjs/common';
import { createHook } from 'node:async_hooks';
import { createServer } from 'node:net';
import { startTestApp } from '../utils/test-app';
import { until } from '../utils/test-database';

/** A port nothing listens on: bound by the OS for us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Timers that ioredis started and that have neither fired nor been cleared yet. */
function pendingRedisTimers(): { count: () => number; stop: () => void } {
  const pending = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (type === 'Timeout' && /node_modules[\\/]ioredis[\\/]/.test(new Error().stack ?? ''))
        pending.add(id);
    },
    destroy(id) {
      pending.delete(id);
    },
  }).enable();
  return { count: () => pending.size, stop: () => hook.disable() };
}

const redisCode = (call: unknown[]) => (call[0] as { code?: unknown } | undefined)?.code;

/**
 * With Redis unreachable, BullMQ's queue and worker errors go through the application logger
 * (JSON through pino), summarised: never console.error's raw stack on stderr.
 */
describe('Redis unreachable: BullMQ errors in the JSON log', () => {
  let redisTimers: ReturnType<typeof pendingRedisTimers> | undefined;
  afterEach(() => {
    jest.restoreAllMocks();
    // Also when the test failed early: the hook would otherwise record a stack for every timer of
    // the suites this Jest worker runs next.
    redisTimers?.stop();
  });

  it('logs the first Redis error with its stack, counts the retries, writes nothing raw, shuts down promptly', async () => {
    const port = await closedPort();
    redisTimers = pendingRedisTimers();
    const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const rawStderr: string[] = [];
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      rawStderr.push(String(chunk));
      return true;
    });
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const t = await startTestApp({
      provision: false,
      env: { REDIS_URL: `redis://127.0.0.1:${port}`, RETENTION_SCHEDULER: 'off' },
    });
    try {
      // The first error, reported either way; then a few reconnection attempts (every 0.2–2 s).
      await until(
        'a Redis error',
        () => Promise.resolve(consoleError.mock.calls.length > 0 || logged.mock.calls.some(redisCode)),
        30_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    } finally {
      await t.close();
      jest.restoreAllMocks();
    }
    // ioredis waits `disconnectTimeout` for a socket that, Redis being down, has already closed:
    // with its 2 s default the process (a Jest worker too) could not exit for 2 s after close().
    await new Promise((resolve) => setTimeout(resolve, 500));
    redisTimers.stop();
    expect(redisTimers.count()).toBe(0);
    expect(consoleError.mock.calls.map((c) => String(c[0]).slice(0, 200))).toEqual([]);
    expect(rawStderr.filter((s) => /ECONNREFUSED|Error:/.test(s))).toEqual([]);
    const redisErrors = logged.mock.calls.filter((c) => redisCode(c) === 'REDIS_ECONNREFUSED');
    expect(redisErrors).toHaveLength(1);
    expect((redisErrors[0][0] as { err: Error }).err.message).toContain('ECONNREFUSED');
  });
});
