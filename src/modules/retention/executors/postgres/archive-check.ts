import type { DatasetRule } from '../../retention-rule';
import { IDENTIFIER, TableFacts } from './sql-builder';

/**
 * The archive table check (ADR 0052, docs/retention-archive.md), at plan time, before anything
 * moves: the table the dataset declares must exist in the same database with the active table's
 * key (as its primary key, which the move's ON CONFLICT needs), the subject column, every
 * archived column with the active column's type, and the two phase dates. Pure.
 */

/** The archive's own columns, besides the copies of the active table's. */
export const ACTIVE_ENDED_AT = 'active_ended_at';
export const ARCHIVE_UNTIL = 'archive_until';

const TIMESTAMPTZ = 'timestamp with time zone';

/** The active table's columns an archive row holds: key, subject, then the archived fields. */
export function archiveColumns(rule: DatasetRule): {
  key: string[];
  subject: string | null;
  values: string[];
} {
  const archive = rule.archive!;
  const key = rule.primaryKey;
  const subject = rule.subjectColumn && !key.includes(rule.subjectColumn) ? rule.subjectColumn : null;
  const values = rule.fields
    .filter((f) => archive.fieldKeys.includes(f.key) && f.column !== subject)
    .map((f) => f.column);
  return { key, subject, values: [...new Set(values)] };
}

/** What stops the archive phase of this dataset (empty: it can run). */
export function archiveProblems(rule: DatasetRule, active: TableFacts, archive: TableFacts | null): string[] {
  const a = rule.archive;
  if (!a) return [];
  const create = () => `create it with: ${archiveDdl(rule, active)} (docs/retention-archive.md)`;
  if (!a.schema || !a.table) {
    return [
      `purpose(s) ${a.purposes.map((p) => p.code).join(', ')} declare an archive phase, but the dataset declares no archive table: declare "archive": { "table": "archive.${rule.table}" } on the dataset and ${create()}`,
    ];
  }
  if (!IDENTIFIER.test(a.schema) || !IDENTIFIER.test(a.table)) {
    return [`unsafe archive table identifier ${JSON.stringify(`${a.schema}.${a.table}`)}`];
  }
  if (a.schema === rule.schema && a.table === rule.table) {
    return ['the archive table must be another table than the dataset itself'];
  }
  const name = `${a.schema}.${a.table}`;
  if (!archive) return [`archive table ${name} does not exist in the system's database: ${create()}`];
  const problems: string[] = [];
  const cols = archiveColumns(rule);
  for (const c of [...cols.key, ...(cols.subject ? [cols.subject] : []), ...cols.values]) {
    const mine = active.columns.get(c);
    const theirs = archive.columns.get(c);
    if (!theirs) problems.push(`column ${c} is missing`);
    else if (mine && mine.dataType !== theirs.dataType) {
      problems.push(
        `column ${c} is ${theirs.dataType}, not ${mine.dataType} as in ${rule.schema}.${rule.table}`,
      );
    } else if (cols.values.includes(c) && !theirs.nullable) {
      // A row moves the fields that are due; the others stay NULL until they are due too.
      problems.push(`column ${c} must be nullable`);
    }
  }
  for (const c of [ACTIVE_ENDED_AT, ARCHIVE_UNTIL]) {
    const theirs = archive.columns.get(c);
    if (!theirs) problems.push(`column ${c} is missing`);
    else if (theirs.dataType !== TIMESTAMPTZ) problems.push(`column ${c} must be timestamptz`);
  }
  if (archive.primaryKey.join(',') !== cols.key.join(',')) {
    problems.push(
      `its primary key must be (${cols.key.join(', ')}), the key of ${rule.schema}.${rule.table} (it is ${archive.primaryKey.join(', ') || 'none'})`,
    );
  }
  return problems.length ? [`archive table ${name} does not match: ${problems.join(', ')}; ${create()}`] : [];
}

/** The DDL of the archive table this dataset needs, from the active table's column types. */
export function archiveDdl(rule: DatasetRule, active: TableFacts): string {
  const a = rule.archive!;
  const cols = archiveColumns(rule);
  const typeOf = (c: string) => {
    const f = active.columns.get(c);
    if (!f) return 'text';
    return f.maxLength !== null && f.dataType === 'character varying'
      ? `varchar(${f.maxLength})`
      : f.dataType;
  };
  const lines = [
    ...cols.key.map((c) => `${c} ${typeOf(c)} NOT NULL`),
    ...(cols.subject ? [`${cols.subject} ${typeOf(cols.subject)}`] : []),
    ...cols.values.map((c) => `${c} ${typeOf(c)}`),
    `${ACTIVE_ENDED_AT} timestamptz NOT NULL`,
    `${ARCHIVE_UNTIL} timestamptz NOT NULL`,
    `PRIMARY KEY (${cols.key.join(', ')})`,
  ];
  return `CREATE TABLE ${a.schema ?? 'archive'}.${a.table ?? rule.table} (${lines.join(', ')})`;
}
