import type { PurgeInputs } from '../../purge-inputs.reader';
import type { DatasetRule } from '../../retention-rule';
import { unpurgeableField } from '../postgres/anonymisation-sql';
import { ARCHIVE_MOVED } from '../postgres/archive-sql';
import { rowDecision } from '../row-decision';
import {
  buildMysqlArchiveDueCount,
  buildMysqlArchiveExpiry,
  buildMysqlArchiveMove,
  buildMysqlArchiveRemaining,
  MysqlArchiveExpiry,
  MysqlArchiveMove,
  MysqlArchiveRow,
  mysqlArchiveRow,
} from './mysql-archive-sql';
import { mysqlAnonymisation } from './mysql-anonymisation';
import { mysqlDueExpression, mysqlDueSinceExpression } from './mysql-due-date';
import {
  integerLiteral,
  keyAsText,
  keyFromText,
  MysqlBuildContext,
  MysqlParams,
  MysqlStatement,
  MysqlTableFacts,
  positional,
  quoteMysqlIdentifier,
  ReferencingConstraint,
  subjectIn,
  timeColumns,
} from './mysql-sql-builder';

/**
 * The SQL of a mysql purge batch, a dry-run batch, the overdue count and a subject's values
 * (ADR 0049). Identifiers come only from the registered dataset, checked and quoted with
 * backticks; every value is a bound parameter. Pure: unit-tested without a database.
 *
 * A batch is keyset pagination over the primary key: the read returns the next `batchSize` keys
 * after the cursor with each row's flags (delete, anonymise, held, undated), then the DELETE and
 * the UPDATE cover the key range it found, each with its own due and held tests (a row changed
 * meanwhile is re-checked on its latest version under READ COMMITTED).
 */

export interface MysqlBuildOptions {
  ipPrefixes: { v4: number; v6: number };
}

interface RowFlags {
  ctx: MysqlBuildContext;
  table: string;
  pk: string[];
  held: string;
  /** The row is deleted: every field due, and no other row references it. */
  allDue: string;
  /** Some field due for anonymisation and not yet anonymised (and the row not deleted). */
  anyPending: string;
  undated: string;
  sets: () => string[];
  dueSince: string;
  /** Per reason, the row keeps something for it (`constraint:<name>`, `field:<key>`; ADR 0051). */
  kept: { label: string; expression: string }[];
  /** The intermediate archive's per-row facts (ADR 0052), or null. */
  archive: MysqlArchiveRow | null;
}

/** `EXISTS` a row of the referencing table pointing at this row (identifiers from the catalogue, checked). */
function referencedExpression(r: ReferencingConstraint): string {
  const on = r.columns
    .map((c, i) => `r.${quoteMysqlIdentifier(c)} = t.${quoteMysqlIdentifier(r.refColumns[i])}`)
    .join(' AND ');
  return `EXISTS (SELECT 1 FROM ${quoteMysqlIdentifier(r.schema)}.${quoteMysqlIdentifier(r.table)} AS r WHERE ${on})`;
}

function rowFlags(
  rule: DatasetRule,
  table: MysqlTableFacts,
  inputs: PurgeInputs,
  options: MysqlBuildOptions,
): RowFlags {
  const ctx: MysqlBuildContext = {
    params: new MysqlParams(),
    inputs,
    subject: rule.subjectColumn ? quoteMysqlIdentifier(rule.subjectColumn) : null,
    table,
    memo: new Map(),
    ipPrefixes: options.ipPrefixes,
  };
  const dues = rule.fields.map((f) => ({ f, due: mysqlDueExpression(f, ctx) }));
  const refs = (table.referencedBy ?? []).map((r) => ({ r, exists: referencedExpression(r) }));
  const everyDue =
    dues.length === 0 || dues.some((d) => d.due === 'FALSE')
      ? 'FALSE'
      : [...new Set(dues.map((d) => d.due))].join(' AND ');
  const referenced = refs.length ? `(${refs.map((r) => r.exists).join(' OR ')})` : 'FALSE';
  // One due test for every field and no reference to this table: a row is wholly due (deleted)
  // or not due at all, so there is nothing to anonymise and no UPDATE.
  const oneTest = new Set(dues.map((d) => d.due)).size === 1 && everyDue !== 'FALSE' && refs.length === 0;
  const due = dues.filter((d) => d.due !== 'FALSE' && !rule.primaryKey.includes(d.f.column));
  // `nullify` on a NOT NULL column: left as is, the rest purged (ADR 0051, as on PostgreSQL).
  const unpurgeable = due.filter((d) => unpurgeableField(d.f, table));
  const candidates = oneTest ? [] : due.filter((d) => !unpurgeableField(d.f, table));
  const anonymised = candidates.map((d) => ({ ...d, ...mysqlAnonymisation(d.f, ctx) }));
  const pending = anonymised.length
    ? anonymised.map((a) => `(${a.due} AND ${a.pending})`).join(' OR ')
    : 'FALSE';
  // MySQL assigns SET clauses left to right, each seeing the ones before: the columns the tests
  // read (trigger dates, the subject) are assigned last, so every CASE sees the row as it was.
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
          ...ordered.map((a) => {
            const col = quoteMysqlIdentifier(a.f.column);
            return `t.${col} = CASE WHEN ${a.due} THEN ${a.value()} ELSE t.${col} END`;
          }),
          ...clocks.map((c) => `t.${quoteMysqlIdentifier(c)} = t.${quoteMysqlIdentifier(c)}`),
        ];
  const nullable = timeColumns(rule).map((c) => `t.${quoteMysqlIdentifier(c)} IS NULL`);
  const { del: allDue, anon: anyPending } = rowDecision(everyDue, referenced, pending);
  const kept = [
    ...(everyDue === 'FALSE'
      ? []
      : refs.map((r) => ({ label: `constraint:${r.r.name}`, expression: `(${everyDue}) AND ${r.exists}` }))),
    ...unpurgeable.map((u) => ({
      label: `field:${u.f.key}`,
      expression: `NOT (${allDue}) AND ${u.due} AND t.${quoteMysqlIdentifier(u.f.column)} IS NOT NULL`,
    })),
  ];
  const held = inputs.wholeDatasetHeld ? 'TRUE' : subjectIn(ctx, 'held', inputs.heldSubjects);
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
    undated: nullable.length ? nullable.join(' OR ') : 'FALSE',
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
function keyAfter(rule: DatasetRule, f: RowFlags, key: string[], inclusive: boolean): string {
  return keyCompare(rule, f, key, '>', inclusive);
}

function keyUpTo(rule: DatasetRule, f: RowFlags, key: string[]): string {
  return keyCompare(rule, f, key, '<', true);
}

function keyCompare(
  rule: DatasetRule,
  f: RowFlags,
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

/** One batch's read: keys (as text) in key order, with each row's flags as 0/1. */
function batchRead(rule: DatasetRule, f: RowFlags, cursor: string[] | null): MysqlStatement {
  const table = f.ctx.table!;
  const conditions: string[] = [];
  if (cursor) conditions.push(keyAfter(rule, f, cursor, false));
  if (f.ctx.inputs.subjectFilter) conditions.push(subjectIn(f.ctx, 'filter', f.ctx.inputs.subjectFilter));
  const keys = rule.primaryKey.map((c, i) => `${keyAsText(table.columns.get(c)!, `t.${f.pk[i]}`)} AS p${i}`);
  // The kept flags (k0…) count a row for a reason only when it is not held (as on PostgreSQL).
  const kept = f.kept
    .map(
      (k, i) => `,
      (NOT (${f.held}) AND ${k.expression}) AS k${i}`,
    )
    .join('');
  const text = `SELECT ${keys.join(', ')},
      (NOT (${f.held}) AND (${f.allDue})) AS del,
      (NOT (${f.held}) AND (${f.anyPending})) AS anon,
      ((${f.held}) AND ((${f.allDue}) OR (${f.anyPending}))) AS held,
      (${f.undated}) AS undated${kept}
    FROM ${f.table} AS t
    ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
    ORDER BY ${f.pk.map((c) => `t.${c}`).join(', ')}
    LIMIT ${integerLiteral(f.ctx.inputs.batchSize)}`;
  return positional(text, f.ctx.params.values);
}

export interface MysqlPurgeBatch {
  read: MysqlStatement;
  /** What each `k<i>` flag of the read counts (`constraint:<name>`, `field:<key>`). */
  keptLabels: string[];
  /** The DELETE and UPDATE over `first ≤ key ≤ last`, left out when the read found nothing for them. */
  changes: (
    firstKey: string[],
    lastKey: string[],
    due: { deleted: number; anonymised: number },
  ) => { kind: 'deleted' | 'anonymised'; statement: MysqlStatement }[];
  /** The intermediate archive's statements (ADR 0052); absent when the dataset has none. */
  archive?: MysqlArchiveBatch;
}

/**
 * A batch's archive statements, run before its DELETE and UPDATE (mysql-archive-batch.ts): the
 * count of expired archived rows, their expiry, the move of the rows the batch is about to change.
 */
export interface MysqlArchiveBatch {
  /** subject_archive_phase.purpose_id of the purposes whose archive phase moves the values. */
  purposeIds: string[];
  /** Expired archived rows (at most a batch for a purge, all for a dry run's first batch). */
  dueCount: MysqlStatement | null;
  expiry: MysqlArchiveExpiry | null;
  /** Over `first ≤ key ≤ last`; null when no field of the dataset moves. */
  move: ((firstKey: string[], lastKey: string[]) => MysqlArchiveMove) | null;
  /** Of these subjects, those with an archived row left (null without a subject column). */
  remaining: ((subjects: string[]) => MysqlStatement) | null;
}

export function buildMysqlPurgeBatch(
  rule: DatasetRule,
  table: MysqlTableFacts,
  inputs: PurgeInputs,
  cursor: string[] | null,
  options: MysqlBuildOptions,
): MysqlPurgeBatch {
  const flags = rowFlags(rule, table, inputs, options);
  const read = batchRead(rule, flags, cursor);
  const changes: MysqlPurgeBatch['changes'] = (firstKey, lastKey, due) => {
    const out: ReturnType<MysqlPurgeBatch['changes']> = [];
    const range = (f: RowFlags) => keyRange(rule, f, inputs, firstKey, lastKey);
    if (due.deleted > 0) {
      const f = rowFlags(rule, table, inputs, options);
      if (f.allDue !== 'FALSE') {
        const text = `DELETE t FROM ${f.table} AS t
    WHERE ${range(f)} AND NOT (${f.held}) AND ${f.allDue}`;
        out.push({ kind: 'deleted', statement: positional(text, f.ctx.params.values) });
      }
    }
    if (due.anonymised > 0) {
      const f = rowFlags(rule, table, inputs, options);
      const where = `${range(f)} AND NOT (${f.held}) AND ${f.anyPending}`;
      const sets = f.sets();
      if (sets.length) {
        const text = `UPDATE ${f.table} AS t SET ${sets.join(', ')}
    WHERE ${where}`;
        out.push({ kind: 'anonymised', statement: positional(text, f.ctx.params.values) });
      }
    }
    return out;
  };
  return {
    read,
    changes,
    keptLabels: flags.kept.map((k) => k.label),
    ...(rule.archive?.schema ? { archive: archiveBatch(rule, table, inputs, options, true) } : {}),
  };
}

/** `first ≤ key ≤ last` (and the run's subject filter): the rows a batch's changes may touch. */
function keyRange(
  rule: DatasetRule,
  f: RowFlags,
  inputs: PurgeInputs,
  firstKey: string[],
  lastKey: string[],
): string {
  const parts = [keyAfter(rule, f, firstKey, true), keyUpTo(rule, f, lastKey)];
  if (inputs.subjectFilter) parts.push(subjectIn(f.ctx, 'filter', inputs.subjectFilter));
  return parts.join(' AND ');
}

/** The archive statements of a purge batch (`limited`) or of a dry run's first batch. */
function archiveBatch(
  rule: DatasetRule,
  table: MysqlTableFacts,
  inputs: PurgeInputs,
  options: MysqlBuildOptions,
  purge: boolean,
): MysqlArchiveBatch {
  const moves = purge && rowFlags(rule, table, inputs, options).archive !== null;
  return {
    purposeIds: (rule.archive?.purposes ?? []).flatMap((p) => (p.id ? [p.id] : [])),
    dueCount: buildMysqlArchiveDueCount(rule, inputs, purge),
    expiry: purge ? buildMysqlArchiveExpiry(rule, inputs) : null,
    move: moves
      ? (firstKey, lastKey) => {
          // Fresh flags: the range's parameters and the move's share one numbering.
          const f = rowFlags(rule, table, inputs, options);
          const where = `${keyRange(rule, f, inputs, firstKey, lastKey)} AND ${f.archive!.moves(f.held, f.allDue)}`;
          return buildMysqlArchiveMove(rule, f.archive!, f.table, where, f.ctx.params.values);
        }
      : null,
    remaining: purge && rule.subjectColumn ? (subjects) => buildMysqlArchiveRemaining(rule, subjects) : null,
  };
}

/** The same read, for a dry run (nothing changes; the keys concerned are sampled from it). */
export function buildMysqlDryRunBatch(
  rule: DatasetRule,
  table: MysqlTableFacts,
  inputs: PurgeInputs,
  cursor: string[] | null,
  options: MysqlBuildOptions,
): { read: MysqlStatement; keptLabels: string[]; archive?: MysqlArchiveBatch } {
  const flags = rowFlags(rule, table, inputs, options);
  return {
    read: batchRead(rule, flags, cursor),
    keptLabels: flags.kept.map((k) => k.label),
    // The archive's expired rows are counted once, by the first batch (a dry run deletes nothing).
    ...(rule.archive?.schema && cursor === null
      ? { archive: archiveBatch(rule, table, inputs, options, false) }
      : {}),
  };
}

/** What is due now in the whole dataset and since when (one scan; the overdue view). */
export function buildMysqlOverdueCount(
  rule: DatasetRule,
  table: MysqlTableFacts,
  inputs: PurgeInputs,
  options: MysqlBuildOptions,
): MysqlStatement {
  const f = rowFlags(rule, table, inputs, options);
  const text = `SELECT CAST(COALESCE(SUM((s.del OR s.anon) AND NOT s.h), 0) AS CHAR) AS due,
      CAST(COALESCE(SUM((s.del OR s.anon) AND s.h), 0) AS CHAR) AS held,
      CAST(COALESCE(SUM(s.u), 0) AS CHAR) AS undated,
      MIN(CASE WHEN (s.del OR s.anon) AND NOT s.h THEN s.since END) AS oldest_due_since
    FROM (SELECT (${f.held}) AS h, (${f.allDue}) AS del, (${f.anyPending}) AS anon,
            (${f.undated}) AS u, ${f.dueSince} AS since
          FROM ${f.table} AS t
          ${inputs.subjectFilter ? `WHERE ${subjectIn(f.ctx, 'filter', inputs.subjectFilter)}` : ''}) s`;
  return positional(text, f.ctx.params.values);
}

/** At most this many rows per subject and dataset (as PostgreSQL's). */
export const MYSQL_SUBJECT_ROWS_LIMIT = 1_000;

/** A subject's rows: its key as text and the registered fields' values (by field key). */
export function buildMysqlSubjectValuesRead(
  rule: DatasetRule,
  table: MysqlTableFacts,
  subjectId: string,
): MysqlStatement {
  if (!rule.subjectColumn) throw new Error('The dataset declares no subject column');
  const params = new MysqlParams();
  const pk = rule.primaryKey.map(quoteMysqlIdentifier);
  const keys = rule.primaryKey.map(
    (c, i) => `${keyAsText(table.columns.get(c)!, `t.${pk[i]}`)} AS \`k${i}\``,
  );
  const values = rule.fields.map((f, i) => `t.${quoteMysqlIdentifier(f.column)} AS \`v${i}\``);
  const text = `SELECT ${[...keys, ...values].join(', ')}
  FROM ${quoteMysqlIdentifier(rule.schema)}.${quoteMysqlIdentifier(rule.table)} AS t
  WHERE CAST(t.${quoteMysqlIdentifier(rule.subjectColumn)} AS CHAR) = ${params.add(subjectId)}
  ORDER BY ${pk.map((c) => `t.${c}`).join(', ')}
  LIMIT ${integerLiteral(MYSQL_SUBJECT_ROWS_LIMIT)}`;
  return positional(text, params.values);
}
