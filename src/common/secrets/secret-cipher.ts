import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { loadOrCreateSecret } from './local-secrets';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretKeyInvalid extends Error {}
export class SecretUndecryptable extends Error {}

/**
 * AES-256-GCM for secrets held at rest (connection strings, webhook signing secrets). Each value
 * is bound to a context (e.g. "system:crm:connectionString") as associated data, so a ciphertext
 * copied into another row or column fails to decrypt instead of leaking into the wrong system.
 * Stored form: "v1:" + base64(iv ‖ tag ‖ ciphertext).
 */
export class SecretCipher {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new SecretKeyInvalid('The secrets key must be exactly 32 bytes');
    this.key = Buffer.from(key);
  }

  /** SECRETS_KEY when set (base64 or hex of 32 bytes), else a key generated once under DATA_DIR. */
  static fromConfig(config: Pick<AppConfig, 'SECRETS_KEY' | 'DATA_DIR'>): SecretCipher {
    if (config.SECRETS_KEY) return new SecretCipher(decodeKey(config.SECRETS_KEY));
    const secret = loadOrCreateSecret(
      config.DATA_DIR,
      'secrets-key',
      () => randomBytes(32).toString('base64'),
      (value) => decodeKey(value),
    );
    if (secret.created) {
      new Logger(SecretCipher.name).warn('SECRETS_KEY is not set: generated one under DATA_DIR/secrets');
    }
    return new SecretCipher(decodeKey(secret.value));
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  decrypt(stored: string, context: string): string {
    const [version, payload] = stored.split(':', 2);
    if (version !== VERSION || !payload) throw new SecretUndecryptable('Unknown secret format');
    const raw = Buffer.from(payload, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretUndecryptable('Truncated secret');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      // Wrong key (SECRETS_KEY changed), wrong context or tampering: never echo the ciphertext.
      throw new SecretUndecryptable('The secret cannot be decrypted with the configured SECRETS_KEY');
    }
  }
}

function decodeKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new SecretKeyInvalid(
      'SECRETS_KEY must be 32 bytes, written in base64 (44 chars) or hex (64 chars)',
    );
  }
  return key;
}
