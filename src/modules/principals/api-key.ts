import { createHash, randomBytes, randomInt } from 'node:crypto';

/** Every generated key reads `fin_<8-char prefix>_<43-char secret>`. */
export const API_KEY_SCHEME = 'fin';
const PREFIX_LENGTH = 8;
const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** 32 random bytes: 256 bits of entropy, which is what makes a fast hash sufficient (ADR 0010). */
const SECRET_BYTES = 32;
const GENERATED_KEY = /^fin_([a-z0-9]{8})_[A-Za-z0-9_-]{43}$/;
/** RFC 6750 b64token, bounded so nobody makes us hash megabytes. */
const BEARER = /^Bearer[ ]+([A-Za-z0-9._~+/-]{16,512}=*)\s*$/i;

export interface GeneratedApiKey {
  /** The key itself: shown once to its owner, never stored or logged. */
  key: string;
  prefix: string;
  hash: string;
}

export function generateApiKey(): GeneratedApiKey {
  let id = '';
  for (let i = 0; i < PREFIX_LENGTH; i += 1) id += PREFIX_ALPHABET[randomInt(PREFIX_ALPHABET.length)];
  const key = `${API_KEY_SCHEME}_${id}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
  return { key, prefix: `${API_KEY_SCHEME}_${id}`, hash: hashApiKey(key) };
}

/** What the database holds instead of the key. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * The non-secret part of a key, for listings and the audit trail. A key chosen by the operator
 * (BOOTSTRAP_ADMIN_KEY) may not follow our format: its first 8 characters then stand for it.
 */
export function visiblePrefixOf(key: string): string {
  const match = GENERATED_KEY.exec(key);
  return match ? `${API_KEY_SCHEME}_${match[1]}` : `${key.slice(0, 8)}…`;
}

/** The prefix of a presented key only when it has our shape (never echo arbitrary input). */
export function claimedPrefixOf(key: string): string | undefined {
  const match = GENERATED_KEY.exec(key);
  return match ? `${API_KEY_SCHEME}_${match[1]}` : undefined;
}

export type BearerParse = { kind: 'missing' } | { kind: 'malformed' } | { kind: 'present'; key: string };

/** Reads `Authorization: Bearer <key>`. */
export function parseBearer(header: string | string[] | undefined): BearerParse {
  if (header === undefined || header === '') return { kind: 'missing' };
  if (Array.isArray(header)) return { kind: 'malformed' };
  const match = BEARER.exec(header);
  return match ? { kind: 'present', key: match[1] } : { kind: 'malformed' };
}
