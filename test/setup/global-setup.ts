import { randomBytes } from 'node:crypto';

/** One id per jest run: the Redis keys of this run are under fintest:<id>: (test/utils/redis-keys.ts). */
export default function globalSetup(): void {
  process.env.FINTEST_RUN_ID ??= randomBytes(4).toString('hex');
}
