import type { PurgeInputs } from '../../purge-inputs.reader';
import type { ArchivePhase, DatasetRule, FieldRule, PurposeKeep } from '../../retention-rule';
import { unpurgeableField } from '../postgres/anonymisation-sql';
import { ACTIVE_ENDED_AT, ARCHIVE_UNTIL, archiveColumns } from '../postgres/archive-check';
import { mysqlAnonymisation } from './mysql-anonymisation';
import { mysqlDueSinceExpression, plusIsoDuration } from './mysql-due-date';
import {
  integerLiteral,
  memo,
  MysqlBuildContext,
  MysqlParams,
  MysqlStatement,
  positional,
  quoteMysqlIdentifier,
} from './mysql-sql-builder';

/**
 * The intermediate archive's SQL in MySQL's dialect (ADR 0052, issue 16), built into the purge
 * batch's own InnoDB transaction (mysql-purge-sql.ts): the move of the values a purpose's archive
 * phase needs, and the expiry of archived rows whose phase is over. What differs from PostgreSQL
 * (archive-sql.ts): no INSERT … RETURNING nor DELETE … RETURNING (MySQL 8), so each write is
 * preceded by a locking read of the same rows (FOR UPDATE) that returns the subjects and dates
 * the ledger needs; `INSERT … SELECT` under READ COMMITTED reads its source without locks, which
 * that locking read supplies; `ON DUPLICATE KEY UPDATE` with `VALUES()` (MariaDB and MySQL 8
 * alike) instead of ON CONFLICT; the dates in `+ INTERVAL` arithmetic against the run's instant,
 * bound as a parameter. Identifiers are checked at plan time (mysql-archive-check.ts) and quoted
 * with backticks; every value is a bound parameter. Pure.
 */

type ArchiveKeep = PurposeKeep & { expiry: { kind: 'time'; archive: ArchivePhase } };

/** The row's archive facts, as expressions over the active row (alias t). */
export interface MysqlArchiveRow {
  /** The row moves now (given the batch's held and "row deleted" tests). */
  moves: (held: string, deleted: string) => string;
  activeEndedAt: string;
  archiveUntil: string;
  /** Each archived column and the value copied (NULL: not due yet, or already anonymised). */
  values: { column: string; value: string }[];
}

/** The run's instant as a DATETIME(6) (a bare parameter would compare as text in LEAST). */
function nowValue(ctx: MysqlBuildContext): string {
  return memo(ctx, 'archive-now', () => `CAST(${ctx.params.add(ctx.inputs.now)} AS DATETIME(6))`);
}

function archiveKeeps(f: FieldRule): ArchiveKeep[] {
  return f.keeps.filter((k): k is ArchiveKeep => k.expiry.kind === 'time' && !!k.expiry.archive);
}

/** MySQL's GREATEST is NULL when any argument is (PostgreSQL's ignores NULLs): an undated purpose must not hide another. */
function greatestIgnoringNulls(values: string[]): string {
  if (values.length === 1) return values[0];
  const floor = "CAST('1000-01-01' AS DATETIME)";
  return `NULLIF(GREATEST(${values.map((v) => `COALESCE(${v}, ${floor})`).join(', ')}), ${floor})`;
}

/**
 * As archiveRow (archive-sql.ts): a row moves when the archive phase of one of its purposes still
 * runs (`trigger + active + archive > now`, the latest of them) and the batch is about to
 * anonymise an archived value, or delete the row with an archived value still in it. Values
 * already anonymised are never copied (the archive keeps the value it first received).
 */
export function mysqlArchiveRow(
  rule: DatasetRule,
  ctx: MysqlBuildContext,
  dues: { f: FieldRule; due: string }[],
): MysqlArchiveRow | null {
  const archive = rule.archive;
  if (!archive || archive.fieldKeys.length === 0) return null;
  const archived = dues.filter((d) => archive.fieldKeys.includes(d.f.key) && d.due !== 'FALSE');
  const ends = archived.flatMap((d) =>
    archiveKeeps(d.f).map((k) =>
      plusIsoDuration(
        plusIsoDuration(`t.${quoteMysqlIdentifier(k.expiry.column)}`, k.expiry.duration),
        k.expiry.archive.duration,
      ),
    ),
  );
  if (ends.length === 0) return null;
  const now = nowValue(ctx);
  const archiveUntil = greatestIgnoringNulls([...new Set(ends)]);
  // The active phase ended when the row's values became due (never later than now: a withdrawn
  // consent ends it before the clock does).
  const activeEndedAt = `LEAST(COALESCE(${mysqlDueSinceExpression(archived)}, ${now}), ${now})`;
  const pendings = archived
    .filter((d) => !unpurgeableField(d.f, ctx.table))
    .map((d) => ({ d, pending: mysqlAnonymisation(d.f, ctx).pending }));
  const goes = pendings.map((p) => `(${p.d.due} AND ${p.pending})`);
  // A value left as is (NOT NULL on nullify) goes only with its row: it moves when the row is deleted.
  const withRow = archived
    .filter((d) => unpurgeableField(d.f, ctx.table))
    .map((d) => `(${d.due} AND t.${quoteMysqlIdentifier(d.f.column)} IS NOT NULL)`);
  const { subject, values } = archiveColumns(rule);
  const valueOf = (column: string): string => {
    const p = pendings.find((x) => x.d.f.column === column);
    const d = archived.find((x) => x.f.column === column);
    const col = `t.${quoteMysqlIdentifier(column)}`;
    if (p) return `CASE WHEN ${p.d.due} AND ${p.pending} THEN ${col} END`;
    return d ? `CASE WHEN ${d.due} THEN ${col} END` : 'NULL';
  };
  return {
    // Only rows with a value still to move: a row deleted after its archived values were already
    // moved and anonymised (a later purpose ends) is not copied, nor counted, again.
    moves: (held, deleted) => {
      const any = [...goes, ...(deleted === 'FALSE' ? [] : withRow.map((w) => `(${deleted} AND ${w})`))];
      return any.length ? `(NOT (${held}) AND ${archiveUntil} > ${now} AND (${any.join(' OR ')}))` : 'FALSE';
    },
    activeEndedAt,
    archiveUntil,
    values: [
      ...(subject ? [{ column: subject, value: `t.${quoteMysqlIdentifier(subject)}` }] : []),
      ...values.map((column) => ({ column, value: valueOf(column) })),
    ],
  };
}

/** The archive table, quoted (`db`.`table`): also the qualifier of its columns (no alias in a single-table DELETE). */
function archiveName(rule: DatasetRule): string {
  return `${quoteMysqlIdentifier(rule.archive!.schema!)}.${quoteMysqlIdentifier(rule.archive!.table!)}`;
}

/** The subject of a row as text, or NULL without a subject column. */
function subjectText(rule: DatasetRule, qualifier: string): string {
  return rule.subjectColumn
    ? `CAST(${qualifier}.${quoteMysqlIdentifier(rule.subjectColumn)} AS CHAR)`
    : 'CAST(NULL AS CHAR)';
}

/** The move: a locking read of the rows that move (the ledger's subjects and dates), then the copy. */
export interface MysqlArchiveMove {
  lock: MysqlStatement;
  insert: MysqlStatement;
}

/**
 * `where` is over the active table (alias t): the batch's key range and the row's `moves` test.
 * ON DUPLICATE KEY UPDATE keeps the value the archive first received (never NULL over a value),
 * the earliest end of the active phase and the latest end of the archive phase (two purposes:
 * the later wins). Its column references are qualified with the archive table's name: MySQL
 * finds a bare name ambiguous when the SELECT's table has the same column.
 */
export function buildMysqlArchiveMove(
  rule: DatasetRule,
  row: MysqlArchiveRow,
  activeTable: string,
  where: string,
  values: unknown[],
): MysqlArchiveMove {
  const a = archiveName(rule);
  const key = rule.primaryKey.map(quoteMysqlIdentifier);
  const order = key.map((k) => `t.${k}`).join(', ');
  const columns = [
    ...key,
    ...row.values.map((v) => quoteMysqlIdentifier(v.column)),
    quoteMysqlIdentifier(ACTIVE_ENDED_AT),
    quoteMysqlIdentifier(ARCHIVE_UNTIL),
  ];
  const selected = [
    ...key.map((k) => `t.${k}`),
    ...row.values.map((v) => v.value),
    row.activeEndedAt,
    row.archiveUntil,
  ];
  const ended = quoteMysqlIdentifier(ACTIVE_ENDED_AT);
  const until = quoteMysqlIdentifier(ARCHIVE_UNTIL);
  const merged = [
    ...row.values.map((v) => {
      const c = quoteMysqlIdentifier(v.column);
      return `${a}.${c} = COALESCE(VALUES(${c}), ${a}.${c})`;
    }),
    `${a}.${ended} = LEAST(${a}.${ended}, VALUES(${ended}))`,
    `${a}.${until} = GREATEST(${a}.${until}, VALUES(${until}))`,
  ];
  // READ COMMITTED: INSERT … SELECT reads its source without locking it. This read locks the
  // rows first, so the archive receives exactly the values the batch's DELETE and UPDATE remove.
  const lock = `SELECT ${subjectText(rule, 't')} AS subject, ${row.activeEndedAt} AS active_ended_at, ${row.archiveUntil} AS archive_until
    FROM ${activeTable} AS t WHERE ${where}
    ORDER BY ${order} FOR UPDATE`;
  const insert = `INSERT INTO ${a} (${columns.join(', ')})
    SELECT ${selected.join(', ')} FROM ${activeTable} AS t WHERE ${where}
    ON DUPLICATE KEY UPDATE ${merged.join(', ')}`;
  return { lock: positional(lock, values), insert: positional(insert, values) };
}

/**
 * The archived rows whose phase is over, held subjects and subjects outside a subject-level run
 * excepted (as expiredRows, archive-sql.ts); null when nothing may expire. Columns are qualified
 * with the table's name.
 */
function expiredCondition(rule: DatasetRule, inputs: PurgeInputs, params: MysqlParams): string | null {
  if (!rule.archive?.schema || !rule.archive.table || inputs.wholeDatasetHeld) return null;
  const a = archiveName(rule);
  const subject = rule.subjectColumn ? subjectText(rule, a) : null;
  const list = (subjects: string[]) => subjects.map((s) => params.add(s)).join(', ');
  const conditions = [
    `${a}.${quoteMysqlIdentifier(ARCHIVE_UNTIL)} <= CAST(${params.add(inputs.now)} AS DATETIME(6))`,
  ];
  if (subject && inputs.heldSubjects.length)
    conditions.push(`${subject} NOT IN (${list(inputs.heldSubjects)})`);
  if (inputs.subjectFilter) {
    // A subject-level run reaches only its subjects' archived rows (none without a subject column).
    if (!subject || inputs.subjectFilter.length === 0) return null;
    conditions.push(`${subject} IN (${list(inputs.subjectFilter)})`);
  }
  return conditions.join(' AND ');
}

function keyOrder(rule: DatasetRule): string {
  const a = archiveName(rule);
  return rule.primaryKey.map((k) => `${a}.${quoteMysqlIdentifier(k)}`).join(', ');
}

/**
 * How many archived rows are to delete now: at most a batch (`limited`, a purge: the loop goes
 * on while some are), or all of them (a dry run's first batch). Null without an archive table.
 */
export function buildMysqlArchiveDueCount(
  rule: DatasetRule,
  inputs: PurgeInputs,
  limited: boolean,
): MysqlStatement | null {
  const params = new MysqlParams();
  const where = expiredCondition(rule, inputs, params);
  if (!where) return null;
  const limit = limited ? ` ORDER BY ${keyOrder(rule)} LIMIT ${integerLiteral(inputs.batchSize)}` : '';
  const text = `SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM ${archiveName(rule)} WHERE ${where}${limit}) e`;
  return positional(text, params.values);
}

/** The expiry: a locking read of a batch of expired rows (their subjects), then their DELETE. */
export interface MysqlArchiveExpiry {
  lock: MysqlStatement;
  remove: MysqlStatement;
}

/**
 * Deletes a batch of expired archived rows in key order. MySQL has no DELETE … RETURNING: the
 * locking read takes the same rows first (same conditions, order and limit), so the DELETE
 * removes exactly them and the subjects read are those whose rows went.
 */
export function buildMysqlArchiveExpiry(rule: DatasetRule, inputs: PurgeInputs): MysqlArchiveExpiry | null {
  const params = new MysqlParams();
  const where = expiredCondition(rule, inputs, params);
  if (!where) return null;
  const a = archiveName(rule);
  const tail = `WHERE ${where} ORDER BY ${keyOrder(rule)} LIMIT ${integerLiteral(inputs.batchSize)}`;
  return {
    lock: positional(`SELECT ${subjectText(rule, a)} AS subject FROM ${a} ${tail} FOR UPDATE`, params.values),
    remove: positional(`DELETE FROM ${a} ${tail}`, params.values),
  };
}

/** Of these subjects, those that still have an archived row (the others lose their ledger rows). */
export function buildMysqlArchiveRemaining(rule: DatasetRule, subjects: string[]): MysqlStatement {
  const a = archiveName(rule);
  const params = new MysqlParams();
  const text = `SELECT DISTINCT ${subjectText(rule, a)} AS subject FROM ${a}
    WHERE ${a}.${quoteMysqlIdentifier(rule.subjectColumn!)} IN (${subjects.map((s) => params.add(s)).join(', ')})`;
  return positional(text, params.values);
}
