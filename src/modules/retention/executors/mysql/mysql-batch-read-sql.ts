import type { DatasetRule } from '../../retention-rule';
import { integerLiteral, keyAsText, MysqlStatement, positional, subjectIn } from './mysql-sql-builder';
import { keyAfter, MysqlRowFlags } from './mysql-row-flags-sql';

/**
 * The read of a mysql batch: the next `batchSize` rows after the cursor in primary-key order,
 * each with its flags, returned row by row (a dry run, for its sample; a composite key) or
 * counted by the server (a purge over a one-column key).
 */

/** The LIMITed scan: each row's key (as text, or raw), flags (0/1) and kept tests (k0…). */
function flaggedRows(rule: DatasetRule, f: MysqlRowFlags, cursor: string[] | null, rawKey: boolean): string {
  const table = f.ctx.table!;
  const conditions: string[] = [];
  if (cursor) conditions.push(keyAfter(rule, f, cursor, false));
  if (f.ctx.inputs.subjectFilter) conditions.push(subjectIn(f.ctx, 'filter', f.ctx.inputs.subjectFilter));
  const keys = rule.primaryKey.map((c, i) =>
    rawKey ? `t.${f.pk[i]} AS r${i}` : `${keyAsText(table.columns.get(c)!, `t.${f.pk[i]}`)} AS p${i}`,
  );
  // The kept flags (k0…) count a row for a reason only when it is not held (as on PostgreSQL).
  const kept = f.kept
    .map(
      (k, i) => `,
      (NOT (${f.held}) AND ${k.expression}) AS k${i}`,
    )
    .join('');
  return `SELECT ${keys.join(', ')},
      (NOT (${f.held}) AND (${f.allDue})) AS del,
      (NOT (${f.held}) AND (${f.anyPending})) AS anon,
      ((${f.held}) AND ((${f.allDue}) OR (${f.anyPending}))) AS held,
      (${f.undated}) AS undated${kept}
    FROM ${f.table} AS t
    ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
    ORDER BY ${f.pk.map((c) => `t.${c}`).join(', ')}
    LIMIT ${integerLiteral(f.ctx.inputs.batchSize)}`;
}

/** One batch's read, row by row: keys (as text) in key order, with each row's flags as 0/1. */
export function batchRead(rule: DatasetRule, f: MysqlRowFlags, cursor: string[] | null): MysqlStatement {
  return positional(flaggedRows(rule, f, cursor, false), f.ctx.params.values);
}

/**
 * One batch's read counted by the server, for a one-column key (null otherwise): one row of
 * counts and both ends of the key range, instead of the batch's rows parsed one by one in the
 * service, which cost more than the DELETE (ADR 0034 "Read ahead"). A flag counts where it is 1,
 * as mysql-batch-read.ts counts rows; `anon` only where the row is not deleted.
 */
export function batchCounts(
  rule: DatasetRule,
  f: MysqlRowFlags,
  cursor: string[] | null,
): MysqlStatement | null {
  if (rule.primaryKey.length !== 1) return null;
  const key = f.ctx.table!.columns.get(rule.primaryKey[0])!;
  const one = (test: string) => `CAST(COALESCE(SUM(CASE WHEN ${test} THEN 1 ELSE 0 END), 0) AS SIGNED)`;
  const kept = f.kept.map((_, i) => `,\n      ${one(`b.k${i} = 1`)} AS k${i}`).join('');
  const text = `SELECT COUNT(*) AS scanned,
      ${one('b.del = 1')} AS due_deleted,
      ${one('b.anon = 1 AND COALESCE(b.del, 0) <> 1')} AS due_anonymised,
      ${one('b.held = 1')} AS held,
      ${one('b.undated = 1')} AS undated${kept},
      ${keyAsText(key, 'MIN(b.r0)')} AS first_key,
      ${keyAsText(key, 'MAX(b.r0)')} AS last_key
    FROM (${flaggedRows(rule, f, cursor, true)}) AS b`;
  return positional(text, f.ctx.params.values);
}
