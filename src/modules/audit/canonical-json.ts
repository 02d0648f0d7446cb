/**
 * Canonical JSON, the byte string each audit hash covers (documented in docs/audit.md so
 * anyone can re-verify an export without Finalité):
 * - objects: keys sorted by UTF-16 code unit order (JavaScript's default sort), no whitespace;
 * - arrays keep their order; strings and numbers as JSON.stringify writes them;
 * - undefined properties are omitted; null stays null.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    if (s === undefined) throw new TypeError('canonicalJson: value is not representable in JSON');
    return s;
  }
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const entries = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}
