import { createHash } from 'node:crypto';
import type { FieldRule } from '../../retention-rule';
import {
  BuildContext,
  castType,
  ColumnFacts,
  DATE_TYPES,
  HASH_LENGTH,
  HASH_PREFIX,
  INTEGER_TYPES,
  memo,
  quoteIdentifier,
  TEXT_TYPES,
} from './sql-builder';

/** The anonymisation strategies in SQL: what a column can take, and the replacement value. */

export function anonymisationProblem(f: FieldRule, c: ColumnFacts): string | null {
  switch (f.anonymisation.strategy as string) {
    case 'nullify':
      // NOT NULL: not a refusal of the dataset; the field is left as is (unpurgeableField).
      return null;
    case 'hash':
      if (!TEXT_TYPES.has(c.dataType) || c.dataType === 'character')
        return `"hash" needs a text column (${c.name} is ${c.dataType})`;
      return c.maxLength !== null && c.maxLength < HASH_LENGTH
        ? `"hash" needs room for ${HASH_LENGTH} characters (${c.name} holds ${c.maxLength})`
        : null;
    case 'generalise':
      return TEXT_TYPES.has(c.dataType) ||
        DATE_TYPES.has(c.dataType) ||
        INTEGER_TYPES.has(c.dataType) ||
        c.dataType === 'numeric'
        ? null
        : `"generalise" applies to dates, numbers and text prefixes (${c.name} is ${c.dataType})`;
    case 'fixed':
      return castType(c) ? null : `"fixed" is not supported for ${c.name} (${c.dataType})`;
    default:
      return `unknown anonymisation strategy ${JSON.stringify((f.anonymisation as { strategy: unknown }).strategy)}`;
  }
}

/**
 * Why a due field cannot be anonymised in place, or null: `nullify` on a NOT NULL column. The run
 * purges everything else (the row itself when wholly due) and reports the field (ADR 0051).
 */
export function unpurgeableField(
  f: FieldRule,
  table: { columns: Map<string, ColumnFacts> } | null,
): string | null {
  const c = table?.columns.get(f.column);
  if (!c || (f.anonymisation.strategy as string) !== 'nullify' || c.nullable) return null;
  return `column ${c.name} is NOT NULL: "nullify" cannot apply (choose "fixed", "hash" or "generalise"); its values are removed only with their rows`;
}

/**
 * Replacement value and "not yet anonymised" test of one field (idempotent re-runs). Both are
 * built lazily: a statement must only carry the parameters it uses.
 */
export function anonymisation(f: FieldRule, ctx: BuildContext): { value: () => string; pending: string } {
  const c = `t.${quoteIdentifier(f.column)}`;
  const facts = ctx.table?.columns.get(f.column);
  const type = facts?.dataType ?? 'text';
  switch (f.anonymisation.strategy as string) {
    case 'hash':
      return {
        value: () => {
          const { inner, outer } = hmacPads(ctx.inputs.hashKey);
          const ipad = memo(ctx, 'ipad', () => `${ctx.params.add(inner)}::bytea`);
          const opad = memo(ctx, 'opad', () => `${ctx.params.add(outer)}::bytea`);
          return `'${HASH_PREFIX}' || encode(sha256(${opad} || sha256(${ipad} || convert_to(${c}::text, 'UTF8'))), 'hex')`;
        },
        pending: `(${c} IS NOT NULL AND left(${c}::text, ${HASH_PREFIX.length}) <> '${HASH_PREFIX}')`,
      };
    case 'generalise': {
      if (type === 'date') {
        const year = `make_date(extract(year FROM ${c})::int, 1, 1)`;
        return { value: () => year, pending: `(${c} IS NOT NULL AND ${c} <> ${year})` };
      }
      if (DATE_TYPES.has(type)) {
        return {
          value: () => `date_trunc('year', ${c})`,
          pending: `(${c} IS NOT NULL AND ${c} <> date_trunc('year', ${c}))`,
        };
      }
      if (INTEGER_TYPES.has(type)) return { value: () => `(${c} / 10) * 10`, pending: `(${c} % 10 <> 0)` };
      if (type === 'numeric') return { value: () => `trunc(${c}, -1)`, pending: `(${c} <> trunc(${c}, -1))` };
      const keep = prefixLength(f.anonymisation.value);
      const n = memo(ctx, `prefix:${keep}`, () => `${ctx.params.add(keep)}::int`);
      return { value: () => `left(${c}, ${n})`, pending: `(length(${c}) > ${n})` };
    }
    case 'fixed': {
      const cast = facts ? (castType(facts) ?? 'text') : 'text';
      const p = memo(ctx, `fixed:${f.key}`, () => `${ctx.params.add(f.anonymisation.value ?? '')}::${cast}`);
      return { value: () => p, pending: `(${c} IS DISTINCT FROM ${p})` };
    }
    case 'nullify':
    default:
      return { value: () => 'NULL', pending: `(${c} IS NOT NULL)` };
  }
}

/** "3" keeps 3 characters; "postcode-prefix" (or nothing) keeps the 2 of a French département. */
function prefixLength(hint: string | undefined): number {
  const n = hint && /^\d{1,2}$/.test(hint) ? Number(hint) : 2;
  return Math.max(0, Math.min(n, 20));
}

/** HMAC(K, m) = H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)) with PostgreSQL's built-in sha256(). */
export function hmacPads(key: Buffer): { inner: Buffer; outer: Buffer } {
  const block = Buffer.alloc(64);
  (key.length > 64 ? createHash('sha256').update(key).digest() : key).copy(block);
  return {
    inner: Buffer.from(block.map((b) => b ^ 0x36)),
    outer: Buffer.from(block.map((b) => b ^ 0x5c)),
  };
}
