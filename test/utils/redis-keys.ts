import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { TEST_REDIS_URL } from './test-database';

/**
 * Every Redis key a test run writes lives under fintest:<run>:<instance>: (REDIS_PREFIX), <run>
 * set once per `jest` run by test/setup/global-setup.ts. Each suite deletes the prefixes it used
 * (test/setup/redis-cleanup.ts), and the global teardown fails the run if any key of the run is
 * left: a run never leaves keys behind, and never touches another run's.
 */
export const testRunRedisPrefix = (): string => `fintest:${process.env.FINTEST_RUN_ID ?? 'local'}`;

const used = new Set<string>();

/** A fresh REDIS_PREFIX for one instance (or several sharing it), deleted after the suite. */
export function testRedisPrefix(): string {
  const prefix = `${testRunRedisPrefix()}:${randomBytes(4).toString('hex')}`;
  used.add(prefix);
  return prefix;
}

/** Records a prefix a suite chose itself, so that it is deleted after the suite too. */
export function trackRedisPrefix(prefix: string): void {
  used.add(prefix);
}

export function usedRedisPrefixes(): string[] {
  return [...used];
}

/** Deletes every key matching `pattern` (SCAN + UNLINK); returns them. */
export async function deleteRedisKeys(pattern: string, url = TEST_REDIS_URL): Promise<string[]> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  redis.on('error', () => undefined); // reported by connect() below
  try {
    await redis.connect();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (batch.length > 0) {
        keys.push(...batch);
        await redis.unlink(...batch);
      }
    } while (cursor !== '0');
    return keys;
  } finally {
    // QUIT returns once Redis has answered and closes the connection. disconnect() would leave
    // ioredis' 2 s disconnect timer running, and a Jest worker whose last suite ran this cleanup
    // could not exit in time (Jest force-exits it and warns at the end of the run).
    await redis.quit().catch(() => redis.disconnect());
  }
}
