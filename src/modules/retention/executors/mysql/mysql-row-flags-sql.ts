import type { PurgeInputs } from '../../purge-inputs.reader';
import type { DatasetRule } from '../../retention-rule';
import { ARCHIVE_MOVED } from '../postgres/archive-sql';
import {
  anonymisedValue,
  heldExpression,
  KeptReason,
  RowFlagsDialect,
  RowFlagsOf,
  rowTests,
} from '../row-flags-rule';
import { MysqlArchiveRow, mysqlArchiveRow } from './mysql-archive-sql';
import { mysqlAnonymisation } from './mysql-anonymisation';
import { mysqlDueExpression, mysqlDueSinceExpression } from './mysql-due-date';
import {
  keyFromText,
  MysqlBuildContext,
  MysqlParams,
  MysqlTableFacts,
  quoteMysqlIdentifier,
  subjectIn,
  timeColumns,
} from './mysql-sql-builder';

/**
 * The per-row tests of a mysql dataset (ADR 0049): held, due for deletion, pending anonymisation,
 * undated, kept per reason, the archive's facts; and the keyset comparisons over the primary key
 * that batches are bounded by. Shared by the batch read (mysql-batch-read-sql.ts) and the
 * purge's changes, overdue count and dry run (mysql-purge-sql.ts). Pure.
 */

export interface MysqlBuildOptions {
  ipPrefixes: { v4: number; v6: number };
}

export interface MysqlRowFlags extends RowFlagsOf<MysqlBuildContext, MysqlArchiveRow> {
  /** Per reason, the row keeps something for it (`constraint:<name>`, `field:<key>`; ADR 0051). */
  kept: KeptReason[];
}

/** What the shared row tests (row-flags-rule.ts) need written in MySQL. */
const MYSQL_ROW: RowFlagsDialect<MysqlBuildContext> = {
  quoteIdentifier: quoteMysqlIdentifier,
  due: mysqlDueExpression,
  anonymisation: mysqlAnonymisation,
  subjectIn,
};

export function mysqlRowFlags(
  rule: DatasetRule,
  table: MysqlTableFacts,
  inputs: PurgeInputs,
  options: MysqlBuildOptions,
): MysqlRowFlags {
  const ctx: MysqlBuildContext = {
    params: new MysqlParams(),
    inputs,
    subject: rule.subjectColumn ? quoteMysqlIdentifier(rule.subjectColumn) : null,
    table,
    memo: new Map(),
    ipPrefixes: options.ipPrefixes,
  };
  const { dues, anonymised, allDue, anyPending, undated, kept } = rowTests(rule, table, ctx, MYSQL_ROW);
  // The SET clauses stay with the dialect (the tests and values are shared): MySQL assigns SET
  // clauses left to right, each seeing the ones before (PostgreSQL's all see the old row), so
  // the columns the tests read (trigger dates, the subject) are assigned last and every CASE
  // sees the row as it was.
  const read = new Set([...timeColumns(rule), ...(rule.subjectColumn ? [rule.subjectColumn] : [])]);
  const ordered = [
    ...anonymised.filter((a) => !read.has(a.f.column)),
    ...anonymised.filter((a) => read.has(a.f.column)),
  ];
  // A trigger date declared `ON UPDATE CURRENT_TIMESTAMP` (Sakila's `last_update`, common in
  // MySQL schemas) would be moved to now by the batch's own UPDATE, restarting the clock it
  // measures and keeping the anonymised row from ever being deleted. A column assigned
  // explicitly is not auto-updated, so each trigger date the UPDATE does not set is assigned to
  // itself (a no-op where the column has no such clause), after the CASEs that read it.
  const clocks = timeColumns(rule).filter((c) => !anonymised.some((a) => a.f.column === c));
  const sets = () =>
    ordered.length === 0
      ? []
      : [
          ...ordered.map(
            (a) => `t.${quoteMysqlIdentifier(a.f.column)} = ${anonymisedValue(a, quoteMysqlIdentifier)}`,
          ),
          ...clocks.map((c) => `t.${quoteMysqlIdentifier(c)} = t.${quoteMysqlIdentifier(c)}`),
        ];
  const held = heldExpression(ctx, MYSQL_ROW);
  const archive = mysqlArchiveRow(rule, ctx, dues);
  // The rows the batch moves to the archive, counted by the read as a kept reason (the dry run's
  // figure; a purge's is the rows it moved), as on PostgreSQL.
  if (archive) kept.push({ label: ARCHIVE_MOVED, expression: archive.moves(held, allDue) });
  return {
    ctx,
    table: `${quoteMysqlIdentifier(rule.schema)}.${quoteMysqlIdentifier(rule.table)}`,
    pk: rule.primaryKey.map(quoteMysqlIdentifier),
    held,
    allDue,
    anyPending,
    undated,
    sets,
    dueSince: mysqlDueSinceExpression(dues),
    kept,
    archive,
  };
}

/**
 * `key > cursor` (strict) or `key >= from` (inclusive) in keyset form, expanded for composite
 * keys (`a > x OR (a = x AND b > y)`, led by `a >= x` so the optimizer has a range).
 */
export function keyAfter(rule: DatasetRule, f: MysqlRowFlags, key: string[], inclusive: boolean): string {
  return keyCompare(rule, f, key, '>', inclusive);
}

export function keyUpTo(rule: DatasetRule, f: MysqlRowFlags, key: string[]): string {
  return keyCompare(rule, f, key, '<', true);
}

function keyCompare(
  rule: DatasetRule,
  f: MysqlRowFlags,
  key: string[],
  op: '>' | '<',
  inclusive: boolean,
): string {
  if (key.length !== rule.primaryKey.length) throw new Error('The key does not match the primary key');
  const table = f.ctx.table!;
  const values = rule.primaryKey.map((c, i) =>
    keyFromText(table.columns.get(c)!, f.ctx.params.add(String(key[i]))),
  );
  const cols = f.pk.map((c) => `t.${c}`);
  const last = cols.length - 1;
  const alternatives: string[] = [];
  for (let i = 0; i <= last; i++) {
    const equal = cols.slice(0, i).map((c, j) => `${c} = ${values[j]}`);
    const cmp = i === last && inclusive ? `${op}=` : op;
    alternatives.push([...equal, `${cols[i]} ${cmp} ${values[i]}`].join(' AND '));
  }
  const lead = `${cols[0]} ${op}= ${values[0]}`;
  return cols.length === 1 ? alternatives[0] : `(${lead} AND ((${alternatives.join(') OR (')})))`;
}

export function keyRange(
  rule: DatasetRule,
  f: MysqlRowFlags,
  inputs: PurgeInputs,
  firstKey: string[],
  lastKey: string[],
): string {
  const parts = [keyAfter(rule, f, firstKey, true), keyUpTo(rule, f, lastKey)];
  if (inputs.subjectFilter) parts.push(subjectIn(f.ctx, 'filter', inputs.subjectFilter));
  return parts.join(' AND ');
}
