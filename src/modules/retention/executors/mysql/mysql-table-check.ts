import type { RetentionExemption } from '../../entities/retention-run-dataset.entity';
import type { DatasetRule, FieldRule } from '../../retention-rule';
import { datasetProblems } from '../dataset-problems';
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
 * Everything that makes a mysql dataset unsafe or impossible to purge as registered (the shared
 * check, dataset-problems.ts, for MySQL's types), and two of MySQL's own: a table that is not
 * InnoDB (no transactions: no exactly-once) and foreign keys the batches cannot test (names
 * outside the register's alphabet, a table referenced by its own rows). Empty: it runs.
 */
export function mysqlExecutionProblems(rule: DatasetRule, table: MysqlTableFacts | null): string[] {
  return datasetProblems(rule, table, {
    identifier: MYSQL_IDENTIFIER,
    timeColumns,
    keyTypeSupported,
    isDate: (c) => DATE_TYPES.has(c.dataType),
    typeName: (c) => c.columnType,
    canBeDue: mysqlCanBeDue,
    anonymisationProblem: mysqlAnonymisationProblem,
    tableProblems: () => (table ? mysqlTableProblems(rule, table) : []),
  });
}

function mysqlTableProblems(rule: DatasetRule, table: MysqlTableFacts): string[] {
  const problems: string[] = [];
  if (table.engine && table.engine.toLowerCase() !== 'innodb') {
    problems.push(
      `table ${rule.schema}.${rule.table} uses the ${table.engine} engine: only InnoDB tables have the transactions an exactly-once purge needs`,
    );
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
