import { SharedRateLimitStorage } from '../../src/modules/auth/rate-limit.storage';
import { testRedisPrefix } from '../utils/redis-keys';
import { TEST_REDIS_URL } from '../utils/test-database';

/**
 * The shared rate-limit counters on the real Redis: hits arriving together on one key are counted
 * in groups (one script call per group), and the count must stay exact, per hit and across
 * instances, as with one call per hit.
 */
describe('SharedRateLimitStorage (Redis)', () => {
  const storages: SharedRateLimitStorage[] = [];
  /** A storage whose connection is up (before that it fails open, counting nothing). */
  const storage = async (prefix: string) => {
    const s = new SharedRateLimitStorage(TEST_REDIS_URL, prefix);
    storages.push(s);
    const deadline = Date.now() + 10_000;
    while ((await s.increment('warm-up', 60_000, 1_000, 60_000, 'warm-up')).totalHits === 0) {
      if (Date.now() > deadline) throw new Error(`Redis at ${TEST_REDIS_URL} is not reachable`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return s;
  };
  afterAll(() => storages.forEach((s) => s.onModuleDestroy()));

  it('counts concurrent hits exactly, admits exactly the limit, then blocks every later hit', async () => {
    const s = await storage(testRedisPrefix());
    const hits = await Promise.all(
      Array.from({ length: 40 }, () => s.increment('key:a', 60_000, 25, 60_000, 'default')),
    );
    expect(hits.map((h) => h.totalHits).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    const admitted = hits.filter((h) => !h.isBlocked);
    expect(admitted).toHaveLength(25);
    expect(Math.max(...admitted.map((h) => h.totalHits))).toBe(25);
    expect(hits.filter((h) => h.isBlocked).every((h) => h.timeToBlockExpire === 60)).toBe(true);
    const later = await s.increment('key:a', 60_000, 25, 60_000, 'default');
    expect(later).toMatchObject({ totalHits: 41, isBlocked: true });
    // Another key and another throttler name are other counters.
    expect(await s.increment('key:b', 60_000, 25, 60_000, 'default')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
    expect((await s.increment('key:a', 60_000, 25, 60_000, 'access-check')).isBlocked).toBe(false);
  });

  it('shares one count between instances (two storages on one prefix)', async () => {
    const prefix = testRedisPrefix();
    const [a, b] = [await storage(prefix), await storage(prefix)];
    const hits = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? a : b).increment('key:shared', 60_000, 20, 60_000, 'default'),
      ),
    );
    expect(new Set(hits.map((h) => h.totalHits)).size).toBe(30);
    expect(hits.filter((h) => !h.isBlocked)).toHaveLength(20);
  });

  it('starts a new window once the block has ended', async () => {
    const s = await storage(testRedisPrefix());
    const hit = () => s.increment('key:c', 200, 2, 300, 'default');
    await Promise.all([hit(), hit()]);
    expect((await hit()).isBlocked).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('fails open when Redis is unreachable', async () => {
    const down = new SharedRateLimitStorage('redis://127.0.0.1:1', 'unused');
    storages.push(down);
    const hits = await Promise.all(
      [1, 2, 3].map(() => down.increment('key:d', 60_000, 1, 60_000, 'default')),
    );
    expect(hits.every((h) => !h.isBlocked && h.totalHits === 0)).toBe(true);
  });
});
