import { toMakeIntervalArgs } from '../../../../common/time/iso-duration';
import { dueSinceExpression, intervalOf, TimeKeep } from '../../due-date.rule';
import type { DatasetRule, FieldRule } from '../../retention-rule';
import { anonymisation, unpurgeableField } from './anonymisation-sql';
import { ACTIVE_ENDED_AT, ARCHIVE_UNTIL, archiveColumns } from './archive-check';
import { BuildContext, memo, quoteIdentifier, SqlStatement } from './sql-builder';

/**
 * The intermediate archive's SQL (ADR 0052), built into the purge batch's own customer
 * transaction (batch-changes-sql.ts): the move of the values a purpose's archive phase needs
 * (INSERT … SELECT … FOR UPDATE … ON CONFLICT, before the batch's DELETE and UPDATE change the
 * rows) and the expiry of archived rows whose phase is over. Identifiers come from the register, checked
 * against both tables at plan time (archive-check.ts), and are quoted; values are parameters.
 */

/**
 * The archive's labels among a batch's kept counts (both dialects, and the run views): counted
 * with the batch's kept rows, so that the same guarded ledger write records them.
 */
export const ARCHIVE_MOVED = 'archive:moved';
export const ARCHIVE_EXPIRED = 'archive:expired';

/** The row's archive facts, as expressions over the active row (alias t). */
export interface ArchiveRow {
  /** The row moves now (given the batch's held and "row deleted" tests). */
  moves: (held: string, deleted: string) => string;
  activeEndedAt: string;
  archiveUntil: string;
  /** Each archived column and the value copied (NULL: not due yet, or already anonymised). */
  values: { column: string; value: string }[];
}

function archiveInterval(ctx: BuildContext, k: TimeKeep): string {
  return memo(ctx, `archive-interval:${k.purposeCode}`, () => {
    const args = toMakeIntervalArgs(k.expiry.archive!.duration).map((n) => `${ctx.params.add(n)}::int`);
    return `make_interval(${args.join(', ')})`;
  });
}

function archiveKeeps(f: FieldRule): TimeKeep[] {
  return f.keeps.filter((k): k is TimeKeep => k.expiry.kind === 'time' && !!k.expiry.archive);
}

/**
 * `dues`: every field of the rule with its due test (dueExpression). A row moves when the
 * archive phase of one of its purposes still runs (`trigger + active + archive > now()`, the
 * latest of them) and the batch is about to anonymise an archived value, or delete the row with
 * an archived value still in it.
 * Values already anonymised are never copied (the archive keeps the value it first received).
 */
export function archiveRow(
  rule: DatasetRule,
  ctx: BuildContext,
  dues: { f: FieldRule; due: string }[],
): ArchiveRow | null {
  const archive = rule.archive;
  if (!archive || archive.fieldKeys.length === 0) return null;
  const archived = dues.filter((d) => archive.fieldKeys.includes(d.f.key) && d.due !== 'FALSE');
  const ends = archived.flatMap((d) =>
    archiveKeeps(d.f).map(
      (k) => `t.${quoteIdentifier(k.expiry.column)} + ${intervalOf(ctx, k)} + ${archiveInterval(ctx, k)}`,
    ),
  );
  if (ends.length === 0) return null;
  const archiveUntil = `GREATEST(${ends.join(', ')})`;
  // The active phase ended when the row's values became due (never later than now: a withdrawn
  // consent ends it before the clock does).
  const activeEndedAt = `LEAST(COALESCE(${dueSinceExpression(archived, ctx)}, now()), now())`;
  const pendings = archived
    .filter((d) => !unpurgeableField(d.f, ctx.table))
    .map((d) => ({ d, pending: anonymisation(d.f, ctx).pending }));
  const goes = pendings.map((p) => `(${p.d.due} AND ${p.pending})`);
  // A value left as is (NOT NULL on nullify) goes only with its row: it moves when the row is deleted.
  const withRow = archived
    .filter((d) => unpurgeableField(d.f, ctx.table))
    .map((d) => `(${d.due} AND t.${quoteIdentifier(d.f.column)} IS NOT NULL)`);
  const { subject, values } = archiveColumns(rule);
  const valueOf = (column: string): string => {
    const p = pendings.find((x) => x.d.f.column === column);
    const d = archived.find((x) => x.f.column === column);
    const col = `t.${quoteIdentifier(column)}`;
    if (p) return `CASE WHEN ${p.d.due} AND ${p.pending} THEN ${col} END`;
    // A field left as is (NOT NULL on nullify) moves with its row, as it is.
    return d ? `CASE WHEN ${d.due} THEN ${col} END` : 'NULL';
  };
  return {
    // Only rows with a value still to move: a row deleted after its archived values were already
    // moved and anonymised (a later purpose ends) is not copied, nor counted, again.
    moves: (held, deleted) => {
      const any = [...goes, ...(deleted === 'FALSE' ? [] : withRow.map((w) => `(${deleted} AND ${w})`))];
      return any.length ? `(NOT (${held}) AND ${archiveUntil} > now() AND (${any.join(' OR ')}))` : 'FALSE';
    },
    activeEndedAt,
    archiveUntil,
    values: [
      ...(subject ? [{ column: subject, value: `t.${quoteIdentifier(subject)}` }] : []),
      ...values.map((column) => ({ column, value: valueOf(column) })),
    ],
  };
}

function archiveName(rule: DatasetRule): string {
  return `${quoteIdentifier(rule.archive!.schema!)}.${quoteIdentifier(rule.archive!.table!)}`;
}

/** The move: `range` and `moves` over the active table (alias t), one archive row per active row. */
export function buildArchiveMove(
  rule: DatasetRule,
  row: ArchiveRow,
  activeTable: string,
  where: string,
): string {
  const key = rule.primaryKey.map(quoteIdentifier);
  const subject = rule.subjectColumn ? quoteIdentifier(rule.subjectColumn) : null;
  const columns = [
    ...key,
    ...row.values.map((v) => quoteIdentifier(v.column)),
    quoteIdentifier(ACTIVE_ENDED_AT),
    quoteIdentifier(ARCHIVE_UNTIL),
  ];
  const selected = [
    ...key.map((k) => `t.${k}`),
    ...row.values.map((v) => v.value),
    row.activeEndedAt,
    row.archiveUntil,
  ];
  const merged = row.values.map((v) => {
    const c = quoteIdentifier(v.column);
    return `${c} = COALESCE(EXCLUDED.${c}, a.${c})`;
  });
  // FOR UPDATE: the rows copied cannot change before the same transaction anonymises or deletes
  // them, so the archive receives exactly the values the active table loses.
  return `INSERT INTO ${archiveName(rule)} AS a (${columns.join(', ')})
    SELECT ${selected.join(', ')} FROM ${activeTable} AS t WHERE ${where} FOR UPDATE OF t
    ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${[
      ...merged,
      `${ACTIVE_ENDED_AT} = LEAST(a.${ACTIVE_ENDED_AT}, EXCLUDED.${ACTIVE_ENDED_AT})`,
      `${ARCHIVE_UNTIL} = GREATEST(a.${ARCHIVE_UNTIL}, EXCLUDED.${ARCHIVE_UNTIL})`,
    ].join(', ')}
    RETURNING ${subject ? `a.${subject}::text` : 'NULL::text'} AS subject, a.${ACTIVE_ENDED_AT} AS active_ended_at, a.${ARCHIVE_UNTIL} AS archive_until`;
}

/**
 * The archived rows whose phase is over (at most a batch, in key order), held subjects and
 * subjects outside a subject-level run excepted; null when nothing may expire.
 */
function expiredRows(rule: DatasetRule, ctx: BuildContext, columns: string, limited = true): string | null {
  if (!rule.archive?.schema || ctx.inputs.wholeDatasetHeld) return null;
  const subject = rule.subjectColumn ? `x.${quoteIdentifier(rule.subjectColumn)}::text` : null;
  const conditions = [`x.${quoteIdentifier(ARCHIVE_UNTIL)} <= now()`];
  if (subject && ctx.inputs.heldSubjects.length) {
    conditions.push(
      `NOT ${subject} = ANY(${memo(ctx, 'archive-held', () => ctx.params.add(ctx.inputs.heldSubjects))}::text[])`,
    );
  }
  if (ctx.inputs.subjectFilter) {
    // A subject-level run reaches only its subjects' archived rows (none without a subject column).
    if (!subject) return null;
    conditions.push(`${subject} = ANY(${ctx.params.add(ctx.inputs.subjectFilter)}::text[])`);
  }
  const key = rule.primaryKey.map((k) => `x.${quoteIdentifier(k)}`);
  const select = `SELECT ${columns} FROM ${archiveName(rule)} AS x WHERE ${conditions.join(' AND ')}`;
  if (!limited) return select;
  return `${select}
     ORDER BY ${key.join(', ')} LIMIT ${memo(ctx, 'archive-limit', () => `${ctx.params.add(ctx.inputs.batchSize)}::int`)}`;
}

/**
 * The read's count of archived rows to delete now (a scalar; `0` without an archive table): at
 * most a batch (`limited`, a purge), or all of them (a dry run's first batch).
 */
export function archiveDueCount(rule: DatasetRule, ctx: BuildContext, limited = true): string {
  const rows = expiredRows(rule, ctx, '1', limited);
  return rows ? `(SELECT count(*)::int FROM (${rows}) e)` : '0';
}

/** Deletes a batch of expired archived rows, returning their subjects. */
export function buildArchiveExpiry(rule: DatasetRule, ctx: BuildContext): string | null {
  const key = rule.primaryKey.map(quoteIdentifier);
  const rows = expiredRows(rule, ctx, key.map((k) => `x.${k}`).join(', '));
  if (!rows) return null;
  const keyRow = key.length === 1 ? `a.${key[0]}` : `(${key.map((k) => `a.${k}`).join(', ')})`;
  const subject = rule.subjectColumn ? `a.${quoteIdentifier(rule.subjectColumn)}::text` : 'NULL::text';
  return `DELETE FROM ${archiveName(rule)} AS a WHERE ${keyRow} IN (${rows}) RETURNING ${subject} AS subject`;
}

/** Of these subjects, those with no archived row left (their archive phase ledger rows go). */
export function buildClearedSubjects(rule: DatasetRule, subjects: string[]): SqlStatement {
  const subject = quoteIdentifier(rule.subjectColumn!);
  return {
    text: `SELECT s AS subject FROM unnest($1::text[]) AS s
      WHERE NOT EXISTS (SELECT 1 FROM ${archiveName(rule)} AS a WHERE a.${subject}::text = s)`,
    values: [subjects],
  };
}
