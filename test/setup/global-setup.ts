import { randomBytes } from 'node:crypto';
import { ensurePgliteTemplate } from '../utils/pglite-template';

/**
 * One id per jest run: the Redis keys of this run are under fintest:<id>: (test/utils/redis-keys.ts).
 * The empty PGlite cluster the embedded suites copy (test/utils/pglite-template.ts).
 */
export default async function globalSetup(): Promise<void> {
  process.env.FINTEST_RUN_ID ??= randomBytes(4).toString('hex');
  await ensurePgliteTemplate();
}
