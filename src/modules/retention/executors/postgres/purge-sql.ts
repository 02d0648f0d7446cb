import type { PurgeInputs } from '../../purge-inputs.reader';
import { dueExpression, dueSinceExpression } from '../../due-date.rule';
import type { DatasetRule, FieldRule } from '../../retention-rule';
import { rowDecision } from '../row-decision';
import { anonymisation, unpurgeableField } from './anonymisation-sql';
import {
  archiveDueCount,
  ArchiveRow,
  archiveRow,
  buildArchiveExpiry,
  buildArchiveMove,
  buildClearedSubjects,
} from './archive-sql';
import {
  BuildContext,
  castType,
  onlyUsedParameters,
  Params,
  quoteIdentifier,
  ReferencingConstraint,
  SqlStatement,
  subjectIn,
  TableFacts,
  timeColumns,
} from './sql-builder';

/**
 * Builds the SQL of a purge batch, a dry-run batch and the overdue count for one dataset.
 * Identifiers come only from the registered dataset, are re-checked here and quoted; every
 * value is a parameter. Pure: unit-tested without a database (purge-sql.spec.ts).
 */

// The pieces, re-exported for the executor and its tests.
export { executionProblems, keptExemptions } from './table-check';
export { hmacPads, unpurgeableField } from './anonymisation-sql';
export { quoteIdentifier, UnsafeIdentifier } from './sql-builder';
export type { ColumnFacts, SqlStatement, TableFacts } from './sql-builder';
export type { PurgeInputs } from '../../purge-inputs.reader';

function heldExpression(ctx: BuildContext): string {
  if (ctx.inputs.wholeDatasetHeld) return 'TRUE';
  return subjectIn(ctx, 'held', ctx.inputs.heldSubjects);
}

interface RowFlags {
  ctx: BuildContext;
  table: string;
  pk: string[];
  held: string;
  /** The row is deleted: every field due, and no other row references it. */
  allDue: string;
  anyPending: string;
  undated: string;
  /** SET clauses: built on demand (purge statements only) so other statements carry no unused parameter. */
  sets: () => string[];
  dueSince: string;
  /** The batch scan's per-row columns: each distinct due test and each pending test once. */
  rowColumns: RowColumns;
  /** The intermediate archive's per-row facts (ADR 0052), or null. */
  archive: ArchiveRow | null;
}

/** Counted with the batch's kept rows, so that the same guarded ledger write records them. */
export const ARCHIVE_MOVED = 'archive:moved';
export const ARCHIVE_EXPIRED = 'archive:expired';

/** `EXISTS` a row of the referencing table pointing at this row (identifiers from the catalogue, checked). */
function referencedExpression(r: ReferencingConstraint): string {
  const on = r.columns
    .map((c, i) => `r.${quoteIdentifier(c)} = t.${quoteIdentifier(r.refColumns[i])}`)
    .join(' AND ');
  return `EXISTS (SELECT 1 FROM ${quoteIdentifier(r.schema)}.${quoteIdentifier(r.table)} AS r WHERE ${on})`;
}

function rowFlags(rule: DatasetRule, table: TableFacts, inputs: PurgeInputs): RowFlags {
  const ctx: BuildContext = {
    params: new Params(),
    inputs,
    subject: rule.subjectColumn ? quoteIdentifier(rule.subjectColumn) : null,
    table,
    memo: new Map(),
  };
  const pk = rule.primaryKey.map(quoteIdentifier);
  const dues = rule.fields.map((f) => ({ f, due: dueExpression(f, ctx) }));
  const refs = (table.referencedBy ?? []).map((r) => ({ r, exists: referencedExpression(r) }));
  // Fields sharing the same purposes share one due test: evaluate it once per row.
  const everyDue =
    dues.length === 0 || dues.some((d) => d.due === 'FALSE')
      ? 'FALSE'
      : [...new Set(dues.map((d) => d.due))].join(' AND ');
  const referenced = refs.length ? `(${refs.map((r) => r.exists).join(' OR ')})` : 'FALSE';
  // When every field has the same due test and no other row references this table, a row is
  // either wholly due (deleted) or not due at all: nothing to anonymise, and no UPDATE.
  const oneTest = new Set(dues.map((d) => d.due)).size === 1 && everyDue !== 'FALSE' && refs.length === 0;
  const due = dues.filter((d) => d.due !== 'FALSE' && !rule.primaryKey.includes(d.f.column));
  const candidates = oneTest ? [] : due.filter((d) => !unpurgeableField(d.f, table));
  const unpurgeable = due.filter((d) => unpurgeableField(d.f, table));
  const anonymised = candidates.map((d) => ({ ...d, ...anonymisation(d.f, ctx) }));
  const pending = anonymised.length
    ? anonymised.map((a) => `(${a.due} AND ${a.pending})`).join(' OR ')
    : 'FALSE';
  const sets = () =>
    anonymised.map((a) => {
      const col = quoteIdentifier(a.f.column);
      return `${col} = CASE WHEN ${a.due} THEN ${a.value()} ELSE t.${col} END`;
    });
  const nullable = timeColumns(rule).map((c) => `t.${quoteIdentifier(c)} IS NULL`);
  const archive = archiveRow(rule, ctx, dues);
  const { del: allDue, anon: anyPending } = rowDecision(everyDue, referenced, pending);
  const held = heldExpression(ctx);
  const rowColumns = rowColumnsOf(dues, anonymised, refs, unpurgeable);
  if (archive) {
    // The rows the batch moves to the archive, counted in the read (the dry run's figure).
    rowColumns.dues.push(`${archive.moves(held, allDue)} AS m`);
    rowColumns.kept.push({ label: ARCHIVE_MOVED, expression: 's.m' });
  }
  return {
    ctx,
    table: `${quoteIdentifier(rule.schema)}.${quoteIdentifier(rule.table)}`,
    pk,
    held,
    allDue,
    anyPending,
    undated: nullable.length ? nullable.join(' OR ') : 'FALSE',
    rowColumns,
    sets,
    dueSince: dueSinceExpression(dues, ctx),
    archive,
  };
}

interface RowColumns {
  dues: string[];
  /** The row is deleted (every field due, not referenced). */
  del: string;
  /** Something of the row is anonymised. */
  anon: string;
  /** Per reason: the row keeps something for it (counted when not held). */
  kept: { label: string; expression: string }[];
}

/**
 * The batch computes each distinct due test once per row (as a column of the LIMITed scan, which
 * the planner does not inline) and derives `del` and `anon` from those columns: the time tests
 * (calendar arithmetic on timestamptz) are the costly part of a batch.
 */
function rowColumnsOf(
  dues: { due: string }[],
  anonymised: { due: string; pending: string }[],
  refs: { r: ReferencingConstraint; exists: string }[],
  unpurgeable: { f: FieldRule; due: string }[],
): RowColumns {
  const distinct = [...new Set(dues.map((d) => d.due))].filter((d) => d !== 'TRUE' && d !== 'FALSE');
  const ref = (due: string) => (due === 'TRUE' || due === 'FALSE' ? due : `s.d${distinct.indexOf(due)}`);
  const everyDue =
    dues.length === 0 || dues.some((d) => d.due === 'FALSE')
      ? 'FALSE'
      : [...new Set(dues.map((d) => ref(d.due)))].join(' AND ');
  const pending = anonymised.length
    ? anonymised.map((a, i) => `(${ref(a.due)} AND s.q${i})`).join(' OR ')
    : 'FALSE';
  const referenced = refs.length ? `(${refs.map((_, i) => `s.r${i}`).join(' OR ')})` : 'FALSE';
  const { del, anon } = rowDecision(everyDue, referenced, pending);
  return {
    dues: [
      ...distinct.map((d, i) => `(${d}) AS d${i}`),
      ...anonymised.map((a, i) => `${a.pending} AS q${i}`),
      ...refs.map((r, i) => `${r.exists} AS r${i}`),
      ...unpurgeable.map((u, i) => `(t.${quoteIdentifier(u.f.column)} IS NOT NULL) AS n${i}`),
    ],
    del,
    anon,
    kept: [
      ...(everyDue === 'FALSE'
        ? []
        : refs.map((r, i) => ({ label: `constraint:${r.r.name}`, expression: `(${everyDue}) AND s.r${i}` }))),
      ...unpurgeable.map((u, i) => ({
        label: `field:${u.f.key}`,
        expression: `NOT (${del}) AND ${ref(u.due)} AND s.n${i}`,
      })),
    ],
  };
}

interface BatchParts {
  /** The labels of the batch's `kept` counts, in order (RowColumns.kept). */
  keptLabels: string[];
  /** The CTEs that read the batch: `batch` (one row of counts and, for a one-column key, its ends). */
  ctes: string[];
  /** The batch rows with their flags (p0…, h, u, del, anon), for the dry run's sample. */
  flagged: string;
  firstKey: string;
  lastKey: string;
}

/**
 * Reads one batch: the next `batchSize` rows after the cursor in primary-key order (an index
 * range scan), aggregated into one row of counts and the key range it covers. Each distinct due
 * test is computed once per row (a column of the LIMITed scan) and `del` / `anon` derive from
 * those columns. The range (`key > cursor AND key <= last key`) is what the purge statement's
 * DELETE and UPDATE then scan, as a plain `DELETE … WHERE` would: an index range scan, no join
 * and no per-row lookup. All of it sees the same snapshot, so the counts and the changes agree.
 */
function batchParts(rule: DatasetRule, flags: RowFlags, cursor: string[] | null): BatchParts {
  const { ctx, pk } = flags;
  const table = ctx.table!;
  const conditions: string[] = [];
  const row = (cols: string[]) => (cols.length === 1 ? cols[0] : `(${cols.join(', ')})`);
  const keyRow = row(pk.map((c) => `t.${c}`));
  if (cursor) {
    if (cursor.length !== pk.length) throw new Error('The cursor does not match the primary key');
    const typed = rule.primaryKey.map(
      (c, i) => `${ctx.params.add(cursor[i])}::${castType(table.columns.get(c)!)}`,
    );
    conditions.push(`${keyRow} > ${row(typed)}`);
  }
  if (ctx.inputs.subjectFilter) conditions.push(subjectIn(ctx, 'filter', ctx.inputs.subjectFilter));
  const limit = `${ctx.params.add(ctx.inputs.batchSize)}::int`;
  const rc = flags.rowColumns;
  const keys = pk.map((_, i) => `p${i}`);
  const scan = (columns: string) => `SELECT ${columns}
      FROM ${flags.table} AS t
      ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
      ORDER BY ${pk.map((c) => `t.${c}`).join(', ')}
      LIMIT ${limit}`;
  const keptColumns = rc.kept.map((k, i) => `, (${k.expression}) AS k${i}`).join('');
  const flagged = `SELECT ${keys.map((k) => `s.${k}`).join(', ')}, s.h, s.u, (${rc.del}) AS del, (${rc.anon}) AS anon${keptColumns}
    FROM (${scan(
      `${pk.map((c, i) => `t.${c} AS p${i}`).join(', ')},
        (${flags.held}) AS h, (${flags.undated}) AS u${rc.dues.length ? `, ${rc.dues.join(', ')}` : ''}`,
    )}) s`;
  const counts = `count(*)::int AS scanned,
      count(*) FILTER (WHERE NOT h AND del)::int AS due_deleted,
      count(*) FILTER (WHERE NOT h AND NOT del AND anon)::int AS due_anonymised,
      count(*) FILTER (WHERE h AND (del OR anon))::int AS held,
      count(*) FILTER (WHERE u)::int AS undated,
      ${rc.kept.length ? `json_build_array(${rc.kept.map((_, i) => `count(*) FILTER (WHERE NOT h AND k${i})::int`).join(', ')})` : `'[]'::json`} AS kept`;
  const textKeys = (prefix: string) =>
    `json_build_array(${keys.map((k) => `${prefix}${k}::text`).join(', ')})`;
  if (pk.length === 1) {
    // One pass: the counts and both ends of the batch (min/max of the key, no sort).
    return {
      keptLabels: rc.kept.map((k) => k.label),
      ctes: [`batch AS (SELECT ${counts}, min(p0) AS f0, max(p0) AS l0 FROM (${flagged}) b)`],
      flagged,
      firstKey: `(SELECT CASE WHEN scanned > 0 THEN json_build_array(f0::text) END FROM batch)`,
      lastKey: `(SELECT CASE WHEN scanned > 0 THEN json_build_array(l0::text) END FROM batch)`,
    };
  }
  // A composite key: its ends come from the (ordered) key scan, the last one by a top-1 sort.
  const keyScan = scan(pk.map((c, i) => `t.${c} AS p${i}`).join(', '));
  return {
    keptLabels: rc.kept.map((k) => k.label),
    ctes: [
      `batch AS (SELECT ${counts} FROM (${flagged}) b)`,
      `first_row AS (SELECT ${keys.join(', ')} FROM (${keyScan}) k ORDER BY ${keys.join(', ')} LIMIT 1)`,
      `last_row AS (SELECT ${keys.join(', ')} FROM (${keyScan}) k ORDER BY ${keys.map((k) => `${k} DESC`).join(', ')} LIMIT 1)`,
    ],
    flagged,
    firstKey: `(SELECT ${textKeys('')} FROM first_row)`,
    lastKey: `(SELECT ${textKeys('')} FROM last_row)`,
  };
}

/**
 * A purge batch: one read, then the changes over the key range it found, in one short customer
 * transaction (postgres-executor.ts runs them).
 */
export interface PurgeBatch {
  /** What each count of the read's `kept` array is for (`constraint:<name>`, `field:<key>`). */
  keptLabels: string[];
  /**
   * Reads the next `batchSize` rows after the cursor (an index range scan): scanned, due_deleted,
   * due_anonymised, held, undated, first_key, last_key and the transaction id (xid).
   */
  read: SqlStatement;
  /**
   * The DELETE and UPDATE over the key range the read returned (`first_key ≤ key ≤ last_key`, the
   * keys as parameters), each with the held and due tests as its own WHERE clause: only rows that
   * are due and not held on the version they change are touched, and a row changed concurrently
   * is re-checked on its latest version (READ COMMITTED). Top-level statements counted by their
   * affected rows (RETURNING would fetch every deleted row again). A statement the read found
   * nothing for is left out.
   */
  changes: (
    firstKey: string[] | null,
    lastKey: string[] | null,
    due: { deleted: number; anonymised: number; archiveDue?: number },
  ) => {
    kind: 'deleted' | 'anonymised' | 'archived' | 'archiveExpired';
    statement: SqlStatement;
  }[];
  /**
   * Of the subjects whose archived rows a batch deleted, those with none left (ADR 0052); absent
   * when the dataset has no archive table or no subject column.
   */
  cleared?: (subjects: string[]) => SqlStatement;
}

/**
 * One purge batch. Rows whose every field is due are deleted, rows with some due fields have
 * those anonymised; held rows are counted, never touched; deleted and anonymised are what the
 * statements changed (affected rows). The next cursor is the batch's last key.
 */
export function buildPurgeBatch(
  rule: DatasetRule,
  table: TableFacts,
  inputs: PurgeInputs,
  cursor: string[] | null,
): PurgeBatch {
  const flags = rowFlags(rule, table, inputs);
  const b = batchParts(rule, flags, cursor);
  const read = usedByArchive(rule, {
    text: `WITH ${b.ctes.join(',\n  ')}
  SELECT c.scanned, c.due_deleted, c.due_anonymised, c.held, c.undated, c.kept,
    ${b.firstKey} AS first_key,
    ${b.lastKey} AS last_key,
    ${archiveDueCount(rule, flags.ctx)} AS archive_due,
    txid_current()::text AS xid
  FROM batch c`,
    values: flags.ctx.params.values,
  });
  const changes: PurgeBatch['changes'] = (firstKey, lastKey, due) => {
    const out: ReturnType<PurgeBatch['changes']> = [];
    if ((due.archiveDue ?? 0) > 0) {
      // The expired archived rows first: a subject cleared here may be moved again below.
      const f = rowFlags(rule, table, inputs);
      const text = buildArchiveExpiry(rule, f.ctx);
      if (text)
        out.push({ kind: 'archiveExpired', statement: onlyUsedParameters(text, f.ctx.params.values) });
    }
    if (!firstKey || !lastKey) return out;
    if (flags.archive && (due.deleted > 0 || due.anonymised > 0)) {
      // Before the DELETE and UPDATE: the archive receives the values they are about to remove.
      const f = rowFlags(rule, table, inputs);
      const where = `${keyRange(rule, f, firstKey, lastKey)} AND ${f.archive!.moves(f.held, f.allDue)}`;
      out.push({
        kind: 'archived',
        statement: onlyUsedParameters(
          buildArchiveMove(rule, f.archive!, f.table, where),
          f.ctx.params.values,
        ),
      });
    }
    if (due.deleted > 0) {
      const f = rowFlags(rule, table, inputs);
      if (f.allDue !== 'FALSE') {
        out.push({
          kind: 'deleted',
          statement: {
            ...onlyUsedParameters(
              `DELETE FROM ${f.table} AS t
    WHERE ${keyRange(rule, f, firstKey, lastKey)} AND NOT (${f.held}) AND ${f.allDue}`,
              f.ctx.params.values,
            ),
          },
        });
      }
    }
    if (due.anonymised > 0) {
      const f = rowFlags(rule, table, inputs);
      const range = keyRange(rule, f, firstKey, lastKey);
      const sets = f.sets();
      if (sets.length) {
        out.push({
          kind: 'anonymised',
          statement: {
            ...onlyUsedParameters(
              `UPDATE ${f.table} AS t SET ${sets.join(', ')}
    WHERE ${range} AND NOT (${f.held}) AND ${f.anyPending}`,
              f.ctx.params.values,
            ),
          },
        });
      }
    }
    return out;
  };
  const cleared =
    rule.archive?.schema && rule.subjectColumn
      ? (subjects: string[]) => buildClearedSubjects(rule, subjects)
      : undefined;
  return { read, changes, keptLabels: b.keptLabels, cleared };
}

/**
 * With an archive (ADR 0052), the row flags build its expressions whether a statement uses them
 * or not (a row that can never move still has its archive dates): keep only the parameters used.
 * Without one, the statement is left exactly as built.
 */
function usedByArchive(rule: DatasetRule, statement: SqlStatement): SqlStatement {
  return rule.archive ? onlyUsedParameters(statement.text, statement.values) : statement;
}

/** `first ≤ key ≤ last` (and the run's subject filter): the rows a batch's changes may touch. */
function keyRange(rule: DatasetRule, flags: RowFlags, firstKey: string[], lastKey: string[]): string {
  const { ctx, pk } = flags;
  if (firstKey.length !== pk.length || lastKey.length !== pk.length) {
    throw new Error('The batch key range does not match the primary key');
  }
  const row = (cols: string[]) => (cols.length === 1 ? cols[0] : `(${cols.join(', ')})`);
  const typed = (key: string[]) =>
    row(rule.primaryKey.map((c, i) => `${ctx.params.add(key[i])}::${castType(ctx.table!.columns.get(c)!)}`));
  const keyRow = row(pk.map((c) => `t.${c}`));
  const conditions = [`${keyRow} >= ${typed(firstKey)}`, `${keyRow} <= ${typed(lastKey)}`];
  if (ctx.inputs.subjectFilter) conditions.push(subjectIn(ctx, 'filter', ctx.inputs.subjectFilter));
  return conditions.join(' AND ');
}

/** The same batch, read-only: what a purge would do, with a sample of the row keys concerned. */
export function buildDryRunBatch(
  rule: DatasetRule,
  table: TableFacts,
  inputs: PurgeInputs,
  cursor: string[] | null,
  sampleSize: number,
): SqlStatement & { keptLabels: string[] } {
  const flags = rowFlags(rule, table, inputs);
  const b = batchParts(rule, flags, cursor);
  const sample = `${flags.ctx.params.add(sampleSize)}::int`;
  const keys = flags.pk.map((_, i) => `p${i}`);
  // The archive's expired rows are counted once, by the first batch (a dry run deletes nothing).
  const archiveDue = cursor === null ? archiveDueCount(rule, flags.ctx, false) : '0';
  const text = `WITH ${b.ctes.join(',\n  ')}
  SELECT c.scanned, c.due_deleted AS deleted, c.due_anonymised AS anonymised, c.held, c.undated, c.kept,
    ${archiveDue} AS archive_due,
    ${b.firstKey} AS first_key,
    ${b.lastKey} AS last_key,
    (SELECT coalesce(json_agg(json_build_array(${keys.map((k) => `${k}::text`).join(', ')})), '[]'::json) FROM (
       SELECT ${keys.join(', ')} FROM (${b.flagged}) f WHERE NOT h AND (del OR anon)
        ORDER BY ${keys.join(', ')} LIMIT ${sample}) s) AS sample
  FROM batch c`;
  return { ...usedByArchive(rule, { text, values: flags.ctx.params.values }), keptLabels: b.keptLabels };
}

/** What is due now in the whole dataset and since when (one scan; for the overdue view). */
export function buildOverdueCount(rule: DatasetRule, table: TableFacts, inputs: PurgeInputs): SqlStatement {
  const flags = rowFlags(rule, table, inputs);
  const text = `SELECT count(*) FILTER (WHERE (del OR anon) AND NOT h)::bigint AS due,
      count(*) FILTER (WHERE (del OR anon) AND h)::bigint AS held,
      count(*) FILTER (WHERE u)::bigint AS undated,
      min(since) FILTER (WHERE (del OR anon) AND NOT h) AS oldest_due_since
    FROM (SELECT (${flags.held}) AS h, (${flags.allDue}) AS del, (${flags.anyPending}) AS anon,
            (${flags.undated}) AS u, ${flags.dueSince} AS since
          FROM ${flags.table} AS t
          ${inputs.subjectFilter ? `WHERE ${subjectIn(flags.ctx, 'filter', inputs.subjectFilter)}` : ''}) s`;
  // The row flags also built the archive's expressions (ADR 0052), which this count does not use.
  return onlyUsedParameters(text, flags.ctx.params.values);
}
