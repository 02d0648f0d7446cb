import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { canonicalJson } from './canonical-json';

/** What a checkpoint signs: the head of the chain at a moment. */
export interface CheckpointContent {
  headSeq: number;
  headHash: string;
  /** ISO 8601 with milliseconds, UTC. */
  signedAt: string;
}

/** The signed bytes: canonical JSON of { headHash, headSeq, signedAt } (docs/audit.md). */
export function checkpointMessage(content: CheckpointContent): Buffer {
  return Buffer.from(
    canonicalJson({ headHash: content.headHash, headSeq: content.headSeq, signedAt: content.signedAt }),
    'utf8',
  );
}

/** Ed25519 key of the trail: signs checkpoints; its public half is published for auditors. */
export class AuditSigner {
  /** First 16 hex digits of SHA-256 over the public key (SPKI DER): names the key in checkpoints. */
  readonly keyId: string;
  readonly publicKeyPem: string;

  private constructor(
    private readonly privateKey: KeyObject,
    private readonly publicKey: KeyObject,
  ) {
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    this.keyId = createHash('sha256').update(spki).digest('hex').slice(0, 16);
    this.publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }

  /** A PKCS#8 private key, PEM or base64 DER (the AUDIT_SIGNING_KEY formats). */
  static fromPrivateKey(text: string): AuditSigner {
    let key: KeyObject;
    try {
      key = text.includes('-----BEGIN')
        ? createPrivateKey({ key: text, format: 'pem' })
        : createPrivateKey({ key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'pkcs8' });
    } catch {
      throw new Error('AUDIT_SIGNING_KEY is not a PKCS#8 private key (PEM or base64 DER)');
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new Error(`AUDIT_SIGNING_KEY must be an Ed25519 key, not ${key.asymmetricKeyType ?? 'unknown'}`);
    }
    return new AuditSigner(key, createPublicKey(key));
  }

  /** A new private key as base64 PKCS#8 DER (what is persisted when AUDIT_SIGNING_KEY is unset). */
  static generatePrivateKey(): string {
    const { privateKey } = generateKeyPairSync('ed25519');
    return privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  }

  sign(content: CheckpointContent): string {
    return sign(null, checkpointMessage(content), this.privateKey).toString('base64');
  }

  verify(content: CheckpointContent, signatureBase64: string): boolean {
    try {
      return verify(null, checkpointMessage(content), this.publicKey, Buffer.from(signatureBase64, 'base64'));
    } catch {
      return false;
    }
  }
}
