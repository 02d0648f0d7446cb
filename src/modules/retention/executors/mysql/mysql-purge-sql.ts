import type { PurgeInputs } from '../../purge-inputs.reader';
import type { DatasetRule } from '../../retention-rule';
import {
  buildMysqlArchiveDueCount,
  buildMysqlArchiveExpiry,
  buildMysqlArchiveMove,
  buildMysqlArchiveRemaining,
  MysqlArchiveExpiry,
  MysqlArchiveMove,
} from './mysql-archive-sql';
import {
  integerLiteral,
  keyAsText,
  MysqlParams,
  MysqlStatement,
  MysqlTableFacts,
  positional,
  quoteMysqlIdentifier,
  subjectIn,
} from './mysql-sql-builder';
import { batchCounts, batchRead } from './mysql-batch-read-sql';
import { keyRange, MysqlBuildOptions, MysqlRowFlags, mysqlRowFlags } from './mysql-row-flags-sql';

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
export interface MysqlPurgeBatch {
  /**
   * The batch's read, run ahead of its transaction: one row of counts and key range (`counted`,
   * a one-column key) or the batch's rows with their flags (a composite key).
   */
  read: MysqlStatement & { counted: boolean };
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
  const flags = mysqlRowFlags(rule, table, inputs, options);
  const counts = batchCounts(rule, flags, cursor);
  const read = counts ? { ...counts, counted: true } : { ...batchRead(rule, flags, cursor), counted: false };
  const changes: MysqlPurgeBatch['changes'] = (firstKey, lastKey, due) => {
    const out: ReturnType<MysqlPurgeBatch['changes']> = [];
    const range = (f: MysqlRowFlags) => keyRange(rule, f, inputs, firstKey, lastKey);
    if (due.deleted > 0) {
      const f = mysqlRowFlags(rule, table, inputs, options);
      if (f.allDue !== 'FALSE') {
        const text = `DELETE t FROM ${f.table} AS t
    WHERE ${range(f)} AND NOT (${f.held}) AND ${f.allDue}`;
        out.push({ kind: 'deleted', statement: positional(text, f.ctx.params.values) });
      }
    }
    if (due.anonymised > 0) {
      const f = mysqlRowFlags(rule, table, inputs, options);
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

/** The archive statements of a purge batch (`limited`) or of a dry run's first batch. */
function archiveBatch(
  rule: DatasetRule,
  table: MysqlTableFacts,
  inputs: PurgeInputs,
  options: MysqlBuildOptions,
  purge: boolean,
): MysqlArchiveBatch {
  const moves = purge && mysqlRowFlags(rule, table, inputs, options).archive !== null;
  return {
    purposeIds: (rule.archive?.purposes ?? []).flatMap((p) => (p.id ? [p.id] : [])),
    dueCount: buildMysqlArchiveDueCount(rule, inputs, purge),
    expiry: purge ? buildMysqlArchiveExpiry(rule, inputs) : null,
    move: moves
      ? (firstKey, lastKey) => {
          // Fresh flags: the range's parameters and the move's share one numbering.
          const f = mysqlRowFlags(rule, table, inputs, options);
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
  const flags = mysqlRowFlags(rule, table, inputs, options);
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
  const f = mysqlRowFlags(rule, table, inputs, options);
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
