import { generateKeyPairSync } from 'node:crypto';
import { AuditSigner } from './audit-signer';

describe('AuditSigner', () => {
  const content = { headSeq: 42, headHash: 'a'.repeat(64), signedAt: '2026-01-01T00:00:00.000Z' };

  it('signs checkpoints that verify, and detects any change', () => {
    const signer = AuditSigner.fromPrivateKey(AuditSigner.generatePrivateKey());
    const signature = signer.sign(content);
    expect(signer.verify(content, signature)).toBe(true);
    expect(signer.verify({ ...content, headSeq: 41 }, signature)).toBe(false);
    expect(signer.verify(content, Buffer.alloc(64).toString('base64'))).toBe(false);
    expect(signer.keyId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('accepts PEM and base64 DER of the same key, with the same key id', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const der = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    expect(AuditSigner.fromPrivateKey(pem).keyId).toBe(AuditSigner.fromPrivateKey(der).keyId);
  });

  it('refuses a key that is not Ed25519, or not a key', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() =>
      AuditSigner.fromPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()),
    ).toThrow(/Ed25519/);
    expect(() => AuditSigner.fromPrivateKey('not a key')).toThrow(/PKCS#8/);
  });
});
