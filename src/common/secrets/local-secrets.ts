import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Secret material that may be generated on first start when not configured (audit HMAC and
 * signing keys, the at-rest encryption key). It is persisted under DATA_DIR/secrets with
 * mode 0600 so a restart keeps it. Several instances must share the same values: set the
 * environment variables in such deployments (docs/operations.md).
 */
export function loadOrCreateSecret(
  dataDir: string,
  name: string,
  generate: () => string,
): { value: string; created: boolean } {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`Invalid secret name ${name}`);
  const dir = join(dataDir, 'secrets');
  const file = join(dir, name);
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), created: false };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const value = generate();
  // 'wx': never overwrite a secret another process created a moment ago.
  try {
    writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      return { value: readFileSync(file, 'utf8').trim(), created: false };
    throw e;
  }
  chmodSync(file, 0o600);
  return { value, created: true };
}
