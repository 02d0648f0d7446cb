import { hmacPads } from '../postgres/anonymisation-sql';
import type { FieldRule } from '../../retention-rule';
import {
  BINARY_TYPES,
  BLOB_TYPES,
  DATE_TYPES,
  DECIMAL_TYPES,
  integerLiteral,
  INTEGER_TYPES,
  memo,
  MysqlBuildContext,
  MysqlColumnFacts,
  quoteMysqlIdentifier,
  TEXT_TYPES,
} from './mysql-sql-builder';

/**
 * The anonymisation strategies in MySQL's dialect (ADR 0049): what a column can take, and the
 * replacement value with its "not yet anonymised" test (re-runs are idempotent).
 * - `hash`: HMAC-SHA256 keyed with Finalité's key, `hmac:` + hex, the same value as PostgreSQL's.
 * - `generalise`: dates to the 1st of January, integers to tens, decimals to `value` decimals
 *   (latitude/longitude: "2" keeps about 1 km) or tens, text to a prefix; IP addresses (binary
 *   VARBINARY(16)/BINARY(4|16) columns, or text ones with `value` "ip") to their network prefix,
 *   IPv4 /24 and IPv6 /48 unless the value says `ip/16/32` (or the configured defaults).
 * - `fixed`: a value; on a binary column (a visitor id) hex bytes, all zero bytes by default.
 * - `nullify`: NULL; on a NOT NULL column the field is left and reported (ADR 0051), as in PostgreSQL.
 */

const HASH_PREFIX = 'hmac:';
const HASH_LENGTH = HASH_PREFIX.length + 64;

/** `ip`, `ip/24`, `ip/24/48`: the prefix lengths kept for IPv4 and IPv6, or null (not an IP). */
export function ipPrefixes(
  hint: string | undefined,
  defaults: { v4: number; v6: number },
): { v4: number; v6: number } | null {
  if (hint === undefined || hint === '') return null;
  const m = /^ip(?:\/(\d{1,2})(?:\/(\d{1,3}))?)?$/i.exec(hint.trim());
  if (!m) return null;
  const v4 = m[1] !== undefined ? Number(m[1]) : defaults.v4;
  const v6 = m[2] !== undefined ? Number(m[2]) : defaults.v6;
  if (v4 > 32 || v6 > 128) return null;
  return { v4, v6 };
}

function isIpColumn(f: FieldRule, c: MysqlColumnFacts): boolean {
  if (BINARY_TYPES.has(c.dataType)) return c.maxLength === 16 || c.maxLength === 4;
  return TEXT_TYPES.has(c.dataType) && /^ip\b/i.test(f.anonymisation.value ?? '');
}

export function mysqlAnonymisationProblem(f: FieldRule, c: MysqlColumnFacts): string | null {
  const value = f.anonymisation.value;
  switch (f.anonymisation.strategy as string) {
    case 'nullify':
      // NOT NULL: not a refusal of the dataset; the field is left as is (unpurgeableField).
      return null;
    case 'hash':
      if (!TEXT_TYPES.has(c.dataType) || c.dataType === 'char')
        return `"hash" needs a text column (${c.name} is ${c.columnType})`;
      return c.maxLength !== null && c.maxLength < HASH_LENGTH
        ? `"hash" needs room for ${HASH_LENGTH} characters (${c.name} holds ${c.maxLength})`
        : null;
    case 'generalise':
      if (isIpColumn(f, c)) {
        return value && !ipPrefixes(value, { v4: 24, v6: 48 })
          ? `"generalise" of IP addresses takes "ip", "ip/24" or "ip/24/48" (not ${JSON.stringify(value)})`
          : null;
      }
      if (BINARY_TYPES.has(c.dataType) || BLOB_TYPES.has(c.dataType)) {
        return `"generalise" applies to IP addresses among binary columns (${c.name} is ${c.columnType}): choose "fixed" or "nullify"`;
      }
      return TEXT_TYPES.has(c.dataType) ||
        DATE_TYPES.has(c.dataType) ||
        INTEGER_TYPES.has(c.dataType) ||
        DECIMAL_TYPES.has(c.dataType)
        ? null
        : `"generalise" applies to dates, numbers, text prefixes and IP addresses (${c.name} is ${c.columnType})`;
    case 'fixed':
      if (BINARY_TYPES.has(c.dataType)) {
        if (value && !/^([0-9a-f]{2})+$/i.test(value)) {
          return `"fixed" on binary column ${c.name} takes hex bytes (e.g. 0000000000000000)`;
        }
        if (value && c.maxLength !== null && value.length / 2 > c.maxLength) {
          return `"fixed" value is longer than ${c.name} (${c.maxLength} bytes)`;
        }
        return null;
      }
      return TEXT_TYPES.has(c.dataType) ||
        DATE_TYPES.has(c.dataType) ||
        INTEGER_TYPES.has(c.dataType) ||
        DECIMAL_TYPES.has(c.dataType)
        ? null
        : `"fixed" is not supported for ${c.name} (${c.columnType})`;
    default:
      return `unknown anonymisation strategy ${JSON.stringify((f.anonymisation as { strategy: unknown }).strategy)}`;
  }
}

/**
 * A binary address with only its first `bits` kept (the rest zero), for an address of `bytes`
 * bytes: whole bytes by LEFT, the partial byte masked, zero bytes after. Integers only in the SQL.
 */
function maskedAddress(b: string, bytes: number, bits: number): string {
  const full = Math.floor(bits / 8);
  const partial = bits % 8;
  const parts: string[] = [];
  if (full > 0) parts.push(`LEFT(${b}, ${integerLiteral(full)})`);
  if (partial > 0 && full < bytes) {
    const mask = (0xff << (8 - partial)) & 0xff;
    parts.push(
      `CHAR(ASCII(SUBSTRING(${b}, ${integerLiteral(full + 1)}, 1)) & ${integerLiteral(mask)} USING binary)`,
    );
  }
  const zeros = bytes - full - (partial > 0 && full < bytes ? 1 : 0);
  if (zeros > 0) parts.push(`UNHEX(REPEAT('00', ${integerLiteral(zeros)}))`);
  return parts.length === 1 ? parts[0] : `CONCAT(${parts.join(', ')})`;
}

/** The network prefix of a binary address: IPv4 (4 bytes) or IPv6 (16 bytes); others unchanged. */
function binaryPrefix(b: string, prefixes: { v4: number; v6: number }): string {
  return `CASE LENGTH(${b}) WHEN 4 THEN ${maskedAddress(b, 4, prefixes.v4)} WHEN 16 THEN ${maskedAddress(b, 16, prefixes.v6)} ELSE ${b} END`;
}

export function mysqlAnonymisation(
  f: FieldRule,
  ctx: MysqlBuildContext,
): { value: () => string; pending: string } {
  const c = `t.${quoteMysqlIdentifier(f.column)}`;
  const facts = ctx.table?.columns.get(f.column);
  const type = facts?.dataType ?? 'text';
  const hint = f.anonymisation.value;
  switch (f.anonymisation.strategy as string) {
    case 'hash':
      return {
        value: () => {
          const { inner, outer } = hmacPads(ctx.inputs.hashKey);
          // The pads travel as hex and become bytes in SQL (a bound Buffer would be read as text
          // in the connection's character set); the column's text is hashed as its UTF-8 bytes,
          // the bytes PostgreSQL hashes.
          const ipad = memo(ctx, 'ipad', () => `UNHEX(${ctx.params.add(inner.toString('hex'))})`);
          const opad = memo(ctx, 'opad', () => `UNHEX(${ctx.params.add(outer.toString('hex'))})`);
          const text = `CAST(CONVERT(${c} USING utf8mb4) AS BINARY)`;
          return `CONCAT('${HASH_PREFIX}', SHA2(CONCAT(${opad}, UNHEX(SHA2(CONCAT(${ipad}, ${text}), 256))), 256))`;
        },
        pending: `(${c} IS NOT NULL AND LEFT(${c}, ${HASH_PREFIX.length}) <> '${HASH_PREFIX}')`,
      };
    case 'generalise': {
      if (facts && isIpColumn(f, facts)) {
        const prefixes = ipPrefixes(hint, ctx.ipPrefixes) ?? ctx.ipPrefixes;
        if (BINARY_TYPES.has(type)) {
          const masked = binaryPrefix(c, prefixes);
          return { value: () => masked, pending: `(${c} IS NOT NULL AND ${c} <> ${masked})` };
        }
        // Text: parsed with INET6_ATON (dotted IPv4 or IPv6), masked, written back in text. A
        // value that is not an address is left for the DPO (it is not pending: never rewritten).
        const masked = `INET6_NTOA(${binaryPrefix(`INET6_ATON(${c})`, prefixes)})`;
        return {
          value: () => masked,
          pending: `(INET6_ATON(${c}) IS NOT NULL AND ${c} <> ${masked})`,
        };
      }
      if (type === 'date') {
        const year = `MAKEDATE(YEAR(${c}), 1)`;
        return { value: () => year, pending: `(${c} IS NOT NULL AND ${c} <> ${year})` };
      }
      if (DATE_TYPES.has(type)) {
        const year = `CAST(MAKEDATE(YEAR(${c}), 1) AS DATETIME)`;
        return { value: () => year, pending: `(${c} IS NOT NULL AND ${c} <> ${year})` };
      }
      if (INTEGER_TYPES.has(type)) {
        return { value: () => `((${c} DIV 10) * 10)`, pending: `(${c} MOD 10 <> 0)` };
      }
      if (DECIMAL_TYPES.has(type)) {
        // "2" keeps two decimals (a latitude to about 1 km); nothing: to tens, as PostgreSQL.
        const decimals = hint && /^\d$/.test(hint) ? Number(hint) : -1;
        const kept = `TRUNCATE(${c}, ${integerLiteral(decimals)})`;
        return { value: () => kept, pending: `(${c} <> ${kept})` };
      }
      const keep = hint && /^\d{1,2}$/.test(hint) ? Math.min(Number(hint), 20) : 2;
      return {
        value: () => `LEFT(${c}, ${integerLiteral(keep)})`,
        pending: `(CHAR_LENGTH(${c}) > ${integerLiteral(keep)})`,
      };
    }
    case 'fixed': {
      if (BINARY_TYPES.has(type)) {
        const bytes = hint ? hint.length / 2 : (facts?.maxLength ?? 16);
        const p = memo(ctx, `fixed:${f.key}`, () => `UNHEX(${ctx.params.add(hint ?? '00'.repeat(bytes))})`);
        return { value: () => p, pending: `(${c} IS NULL OR ${c} <> ${p})` };
      }
      const p = memo(ctx, `fixed:${f.key}`, () => ctx.params.add(f.anonymisation.value ?? ''));
      return { value: () => p, pending: `(${c} IS NULL OR ${c} <> ${p})` };
    }
    case 'nullify':
    default:
      return { value: () => 'NULL', pending: `(${c} IS NOT NULL)` };
  }
}
