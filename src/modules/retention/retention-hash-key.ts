import { createHmac, randomBytes } from 'node:crypto';
import type { AppConfig } from '../../config/app-config';
import { loadOrCreateSecret } from '../../common/secrets/local-secrets';

/**
 * Key of the `hash` anonymisation, derived from the audit HMAC key (shared by every instance)
 * so that the same value always hashes the same way across runs and workers.
 */
export function retentionHashKey(config: AppConfig): Buffer {
  const base =
    config.AUDIT_HMAC_KEY ??
    loadOrCreateSecret(config.DATA_DIR, 'audit-hmac-key', () => randomBytes(32).toString('base64')).value;
  return createHmac('sha256', base).update('finalite/retention/anonymisation-hash').digest();
}
