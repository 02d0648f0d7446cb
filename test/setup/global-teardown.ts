import { deleteRedisKeys, testRunRedisPrefix } from '../utils/redis-keys';

/**
 * Fails the run if a suite left Redis keys behind (a prefix not deleted by its suite: an instance
 * started outside startTestApp, or still writing after its suite ended). They are removed anyway.
 */
export default async function globalTeardown(): Promise<void> {
  let left: string[];
  try {
    left = await deleteRedisKeys(`${testRunRedisPrefix()}:*`);
  } catch (e) {
    // Unit-only runs need no Redis: nothing can have been left in one that is not there.
    process.stderr.write(`Redis key check skipped: ${(e as Error).message}\n`);
    return;
  }
  if (left.length > 0) {
    throw new Error(
      `The tests left ${left.length} Redis key(s) behind (now deleted), e.g. ${left.slice(0, 5).join(', ')}`,
    );
  }
}
