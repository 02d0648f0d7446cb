/**
 * Canonical JSON, the byte string each audit hash covers (documented in docs/audit.md so
 * anyone can re-verify an export without Finalité):
 * - objects: keys sorted by UTF-16 code unit order (JavaScript's default sort), no whitespace;
 * - arrays keep their order; strings and numbers as JSON.stringify writes them;
 * - undefined properties are omitted; null stays null.
 * Written with plain loops: verification of millions of events spends most of its time here.
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    if (s === undefined) throw new TypeError('canonicalJson: value is not representable in JSON');
    return s;
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += item === undefined ? 'null' : canonicalJson(item);
    }
    return `${out}]`;
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}
