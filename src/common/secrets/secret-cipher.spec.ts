import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretCipher, SecretKeyInvalid, SecretUndecryptable } from './secret-cipher';

describe('SecretCipher (AES-256-GCM)', () => {
  const cipher = new SecretCipher(randomBytes(32));
  const URL = 'postgres://ro:pw@db:5432/crm';

  it('round-trips and never stores the plaintext', () => {
    const stored = cipher.encrypt(URL, 'system:crm:connectionString');
    expect(stored).toMatch(/^v1:/);
    expect(stored).not.toContain('pw@');
    expect(cipher.decrypt(stored, 'system:crm:connectionString')).toBe(URL);
    // A fresh IV each time: equal secrets do not look equal at rest.
    expect(cipher.encrypt(URL, 'system:crm:connectionString')).not.toBe(stored);
  });

  it('refuses another context, another key and any tampering', () => {
    const stored = cipher.encrypt(URL, 'system:crm:connectionString');
    expect(() => cipher.decrypt(stored, 'system:erp:connectionString')).toThrow(SecretUndecryptable);
    expect(() => new SecretCipher(randomBytes(32)).decrypt(stored, 'system:crm:connectionString')).toThrow(
      SecretUndecryptable,
    );
    const raw = Buffer.from(stored.slice(3), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => cipher.decrypt(`v1:${raw.toString('base64')}`, 'system:crm:connectionString')).toThrow(
      SecretUndecryptable,
    );
    expect(() => cipher.decrypt('v0:abc', 'x')).toThrow(SecretUndecryptable);
  });

  it('takes SECRETS_KEY in base64 or hex, and refuses a key of the wrong size', () => {
    const key = randomBytes(32);
    const a = SecretCipher.fromConfig({ SECRETS_KEY: key.toString('base64'), DATA_DIR: '/nonexistent' });
    const b = SecretCipher.fromConfig({ SECRETS_KEY: key.toString('hex'), DATA_DIR: '/nonexistent' });
    expect(b.decrypt(a.encrypt('x', 'c'), 'c')).toBe('x');
    expect(() => SecretCipher.fromConfig({ SECRETS_KEY: 'short', DATA_DIR: '/nonexistent' })).toThrow(
      SecretKeyInvalid,
    );
  });

  it('generates a key under DATA_DIR once when SECRETS_KEY is unset, and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'finalite-cipher-'));
    try {
      const first = SecretCipher.fromConfig({ DATA_DIR: dir });
      const stored = first.encrypt('x', 'c');
      expect(readFileSync(join(dir, 'secrets', 'secrets-key'), 'utf8').trim()).toHaveLength(44);
      expect(SecretCipher.fromConfig({ DATA_DIR: dir }).decrypt(stored, 'c')).toBe('x');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
