import { claimedPrefixOf, generateApiKey, hashApiKey, parseBearer, visiblePrefixOf } from './api-key';

describe('API keys', () => {
  it('generates 256-bit keys with a visible prefix, and stores only their SHA-256', () => {
    const { key, prefix, hash } = generateApiKey();
    expect(key).toMatch(/^fin_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(`${prefix}_`)).toBe(true);
    expect(Buffer.from(key.slice(prefix.length + 1), 'base64url')).toHaveLength(32);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(hashApiKey(key));
    expect(hash).not.toContain(key.slice(prefix.length + 1, prefix.length + 9));
  });

  it('never generates the same key twice', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().key));
    expect(keys.size).toBe(200);
  });

  it('shows the prefix of our keys and only 8 characters of an operator-chosen key', () => {
    const { key, prefix } = generateApiKey();
    expect(visiblePrefixOf(key)).toBe(prefix);
    expect(visiblePrefixOf('my-own-very-long-bootstrap-admin-key-0123')).toBe('my-own-v…');
    expect(claimedPrefixOf(key)).toBe(prefix);
    expect(claimedPrefixOf('not a key of ours')).toBeUndefined();
  });

  it.each([
    [undefined, 'missing'],
    ['', 'missing'],
    ['Basic dXNlcjpwYXNz', 'malformed'],
    ['Bearer', 'malformed'],
    ['Bearer short', 'malformed'],
    ['Bearer fin_abc def_ghijklmnop', 'malformed'],
    [['Bearer a', 'Bearer b'], 'malformed'],
    [`Bearer ${'x'.repeat(600)}`, 'malformed'],
  ])('reads %j as %s', (header, kind) => {
    expect(parseBearer(header).kind).toBe(kind);
  });

  it('extracts the key of a Bearer header, whatever the scheme case', () => {
    const { key } = generateApiKey();
    expect(parseBearer(`Bearer ${key}`)).toEqual({ kind: 'present', key });
    expect(parseBearer(`bearer  ${key}`)).toEqual({ kind: 'present', key });
  });
});
