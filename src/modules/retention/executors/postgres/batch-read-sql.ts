import type { PurgeInputs } from '../../purge-inputs.reader';
import type { DatasetRule } from '../../retention-rule';
import { archiveDueCount } from './archive-sql';
import { RowFlags, rowFlags } from './row-flags-sql';
import { castType, onlyUsedParameters, SqlStatement, subjectIn, TableFacts } from './sql-builder';

/**
 * The read of a batch, for a purge and for a dry run: the LIMITed scan after the cursor, its
 * counts and the key range it covers (which the purge's changes then scan, batch-changes-sql.ts).
 */

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
 * and no per-row lookup. The read sees one snapshot; the changes re-test each row they touch.
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
 * A purge's read (PurgeBatch.read): the batch's counts, its key range and the archived rows due.
 * It runs before the batch's transaction, ahead of it (ADR 0034 "Read ahead"), so it returns no
 * transaction id. `flags` are the batch's own: the read carries their parameters.
 */
export function buildBatchRead(
  rule: DatasetRule,
  flags: RowFlags,
  cursor: string[] | null,
): { read: SqlStatement; keptLabels: string[] } {
  const b = batchParts(rule, flags, cursor);
  const read = usedByArchive(rule, {
    text: `WITH ${b.ctes.join(',\n  ')}
  SELECT c.scanned, c.due_deleted, c.due_anonymised, c.held, c.undated, c.kept,
    ${b.firstKey} AS first_key,
    ${b.lastKey} AS last_key,
    ${archiveDueCount(rule, flags.ctx)} AS archive_due
  FROM batch c`,
    values: flags.ctx.params.values,
  });
  return { read, keptLabels: b.keptLabels };
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

/**
 * With an archive (ADR 0052), the row flags build its expressions whether a statement uses them
 * or not (a row that can never move still has its archive dates): keep only the parameters used.
 * Without one, the statement is left exactly as built.
 */
function usedByArchive(rule: DatasetRule, statement: SqlStatement): SqlStatement {
  return rule.archive ? onlyUsedParameters(statement.text, statement.values) : statement;
}
