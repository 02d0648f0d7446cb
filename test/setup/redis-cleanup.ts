import { deleteRedisKeys, usedRedisPrefixes } from '../utils/redis-keys';

// After each suite (its describe blocks' afterAll, which close the apps, run first), whether its
// tests passed or failed: the Redis keys of every prefix it used go.
afterAll(async () => {
  for (const prefix of usedRedisPrefixes()) await deleteRedisKeys(`${prefix}:*`);
});
