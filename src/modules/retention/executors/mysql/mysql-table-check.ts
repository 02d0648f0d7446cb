import type { RetentionExemption } from '../../entities/retention-run-dataset.entity';
import type { DatasetRule, FieldRule } from '../../retention-rule';
import { keptExemptions } from '../postgres/table-check';
import { mysqlAnonymisationProblem } from './mysql-anonymisation';
import { mysqlDueExpression } from './mysql-due-date';
import {
  DATE_TYPES,
  emptyMysqlContext,
  keyTypeSupported,
  MYSQL_IDENTIFIER,
  MysqlTableFacts,
  timeColumns,
} from './mysql-sql-builder';

/**
 * Everything that makes a mysql dataset unsafe or impossible to purge as registered (the
 * postgres executor's table-check, for MySQL's types): identifiers outside the register's
 * alphabet, columns missing, a primary key that differs from the table's, a table that is not
 * InnoDB (no transactions: no exactly-once), strategies the column cannot take. Empty: it runs.
 */
export function mysqlExecutionProblems(rule: DatasetRule, table: MysqlTableFacts | null): string[] {
  const problems: string[] = [];
  const identifiers = [
    rule.schema,
    rule.table,
    ...rule.primaryKey,
    ...(rule.subjectColumn ? [rule.subjectColumn] : []),
    ...rule.fields.map((f) => f.column),
    ...timeColumns(rule),
  ];
  for (const id of identifiers) {
    if (typeof id !== 'string' || !MYSQL_IDENTIFIER.test(id))
      problems.push(`unsafe identifier ${JSON.stringify(id)}`);
  }
  if (problems.length) return problems;
  if (!table) return [`table ${rule.schema}.${rule.table} does not exist in the system's database`];
  if (table.engine && table.engine.toLowerCase() !== 'innodb') {
    problems.push(
      `table ${rule.schema}.${rule.table} uses the ${table.engine} engine: only InnoDB tables have the transactions an exactly-once purge needs`,
    );
  }
  const col = (name: string) => table.columns.get(name);
  for (const name of new Set([
    ...rule.primaryKey,
    ...rule.fields.map((f) => f.column),
    ...timeColumns(rule),
  ])) {
    if (!col(name)) problems.push(`column ${name} does not exist in ${rule.schema}.${rule.table}`);
  }
  if (rule.subjectColumn && !col(rule.subjectColumn)) {
    problems.push(`subject column ${rule.subjectColumn} does not exist in ${rule.schema}.${rule.table}`);
  }
  if (rule.primaryKey.length === 0) problems.push('the dataset declares no primary key');
  if (rule.primaryKey.join(',') !== table.primaryKey.join(',')) {
    problems.push(
      `the registered primary key (${rule.primaryKey.join(', ')}) is not the table's (${table.primaryKey.join(', ') || 'none'})`,
    );
  }
  for (const name of rule.primaryKey) {
    const c = col(name);
    if (c && !keyTypeSupported(c))
      problems.push(`primary key column ${name} has an unsupported type (${c.columnType})`);
  }
  for (const name of timeColumns(rule)) {
    const c = col(name);
    if (c && !DATE_TYPES.has(c.dataType)) problems.push(`trigger column ${name} is not a date or timestamp`);
  }
  // The tables referencing this one are read from the catalogue, not the register: their names
  // reach the SQL only if they pass the same check.
  for (const r of table.referencedBy) {
    const names = [r.schema, r.table, ...r.columns, ...r.refColumns];
    if (!names.every((n) => MYSQL_IDENTIFIER.test(n))) {
      problems.push(
        `foreign key ${JSON.stringify(r.name)} of ${JSON.stringify(`${r.schema}.${r.table}`)} references the table with identifiers outside the register's alphabet`,
      );
    } else if (r.schema === rule.schema && r.table === rule.table) {
      // The batch's DELETE would have to read its own target table (NOT EXISTS), which MySQL and
      // MariaDB refuse (error 1093); deleting anyway would fail or cascade. Said, not attempted.
      problems.push(
        `foreign key ${r.name} references ${rule.schema}.${rule.table} from the table itself: referenced rows cannot be told apart in the batch's DELETE on MySQL (not supported yet)`,
      );
    }
  }
  for (const f of rule.fields) {
    const c = col(f.column);
    if (!c || !mysqlCanBeDue(f)) continue;
    if (rule.primaryKey.includes(f.column)) {
      problems.push(`field ${f.key} is part of the primary key: it can only be deleted with its row`);
    }
    const problem = mysqlAnonymisationProblem(f, c);
    if (problem) problems.push(`field ${f.key}: ${problem}`);
  }
  return problems;
}

function mysqlCanBeDue(f: FieldRule): boolean {
  return mysqlDueExpression(f, emptyMysqlContext()) !== 'FALSE';
}

/**
 * What the purge will keep and why, said before it starts (ADR 0051, as on PostgreSQL): rows other
 * tables reference (anonymised, per constraint) and `nullify` fields on NOT NULL columns.
 */
export function mysqlKeptExemptions(rule: DatasetRule, table: MysqlTableFacts): RetentionExemption[] {
  return keptExemptions(rule, table, mysqlCanBeDue);
}
