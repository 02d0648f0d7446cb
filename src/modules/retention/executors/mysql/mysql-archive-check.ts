import type { DatasetRule } from '../../retention-rule';
import { ACTIVE_ENDED_AT, ARCHIVE_UNTIL, archiveColumns } from '../postgres/archive-check';
import { MYSQL_IDENTIFIER, MysqlTableFacts } from './mysql-sql-builder';

/**
 * The archive table check of a mysql dataset (ADR 0052, docs/retention-archive.md), at plan time
 * from information_schema, before anything moves, as archive-check.ts on PostgreSQL: the table
 * the dataset declares must be an InnoDB table of the same server (its schema is a database)
 * with the active table's key as its primary key (the move's ON DUPLICATE KEY UPDATE needs it),
 * the subject column, every archived column with the active column's type, nullable, and the two
 * phase dates as DATETIME or TIMESTAMP. Pure.
 */

const PHASE_DATE_TYPES = new Set(['datetime', 'timestamp']);

/** What stops the archive phase of this dataset (empty: it can run). */
export function mysqlArchiveProblems(
  rule: DatasetRule,
  active: MysqlTableFacts,
  archive: MysqlTableFacts | null,
): string[] {
  const a = rule.archive;
  if (!a) return [];
  const create = () => `create it with: ${mysqlArchiveDdl(rule, active)} (docs/retention-archive.md)`;
  if (!a.schema || !a.table) {
    return [
      `purpose(s) ${a.purposes.map((p) => p.code).join(', ')} declare an archive phase, but the dataset declares no archive table: declare "archive": { "table": "${rule.schema}_archive.${rule.table}" } on the dataset and ${create()}`,
    ];
  }
  if (!MYSQL_IDENTIFIER.test(a.schema) || !MYSQL_IDENTIFIER.test(a.table)) {
    return [`unsafe archive table identifier ${JSON.stringify(`${a.schema}.${a.table}`)}`];
  }
  if (a.schema === rule.schema && a.table === rule.table) {
    return ['the archive table must be another table than the dataset itself'];
  }
  const name = `${a.schema}.${a.table}`;
  if (!archive) return [`archive table ${name} does not exist in the system's server: ${create()}`];
  const problems: string[] = [];
  if (archive.engine && archive.engine.toLowerCase() !== 'innodb') {
    // The move and the batch's DELETE must commit or roll back together.
    problems.push(`it uses the ${archive.engine} engine, not InnoDB`);
  }
  const cols = archiveColumns(rule);
  for (const c of [...cols.key, ...(cols.subject ? [cols.subject] : []), ...cols.values]) {
    const mine = active.columns.get(c);
    const theirs = archive.columns.get(c);
    if (!theirs) problems.push(`column ${c} is missing`);
    else if (mine && mine.columnType !== theirs.columnType) {
      problems.push(
        `column ${c} is ${theirs.columnType}, not ${mine.columnType} as in ${rule.schema}.${rule.table}`,
      );
    } else if (cols.values.includes(c) && !theirs.nullable) {
      // A row moves the fields that are due; the others stay NULL until they are due too.
      problems.push(`column ${c} must be nullable`);
    }
  }
  for (const c of [ACTIVE_ENDED_AT, ARCHIVE_UNTIL]) {
    const theirs = archive.columns.get(c);
    if (!theirs) problems.push(`column ${c} is missing`);
    else if (!PHASE_DATE_TYPES.has(theirs.dataType))
      problems.push(`column ${c} must be DATETIME or TIMESTAMP`);
  }
  if (archive.primaryKey.join(',') !== cols.key.join(',')) {
    problems.push(
      `its primary key must be (${cols.key.join(', ')}), the key of ${rule.schema}.${rule.table} (it is ${archive.primaryKey.join(', ') || 'none'})`,
    );
  }
  return problems.length ? [`archive table ${name} does not match: ${problems.join(', ')}; ${create()}`] : [];
}

/**
 * The DDL of the archive table this dataset needs, from the active table's column types (MySQL
 * syntax; the phase dates in microseconds, UTC as every date of the executor's sessions).
 */
export function mysqlArchiveDdl(rule: DatasetRule, active: MysqlTableFacts): string {
  const a = rule.archive!;
  const cols = archiveColumns(rule);
  const typeOf = (c: string) => active.columns.get(c)?.columnType ?? 'text';
  const lines = [
    ...cols.key.map((c) => `${c} ${typeOf(c)} NOT NULL`),
    ...(cols.subject ? [`${cols.subject} ${typeOf(cols.subject)} NULL`] : []),
    ...cols.values.map((c) => `${c} ${typeOf(c)} NULL`),
    `${ACTIVE_ENDED_AT} DATETIME(6) NOT NULL`,
    `${ARCHIVE_UNTIL} DATETIME(6) NOT NULL`,
    `PRIMARY KEY (${cols.key.join(', ')})`,
    // Legal holds, the access check and the ledger's clears find a subject's archived rows by it
    // (a TEXT column is indexed on a prefix).
    ...(cols.subject ? [`KEY (${cols.subject}${/text|blob/.test(typeOf(cols.subject)) ? '(64)' : ''})`] : []),
    `KEY (${ARCHIVE_UNTIL})`,
  ];
  return `CREATE TABLE ${a.schema ?? `${rule.schema}_archive`}.${a.table ?? rule.table} (${lines.join(', ')}) ENGINE = InnoDB`;
}
