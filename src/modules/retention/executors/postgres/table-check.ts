import { dueExpression } from '../../due-date.rule';
import type { DatasetRule, FieldRule } from '../../retention-rule';
import type { RetentionExemption } from '../../entities/retention-run-dataset.entity';
import { anonymisationProblem, unpurgeableField } from './anonymisation-sql';
import { castType, DATE_TYPES, emptyContext, IDENTIFIER, TableFacts, timeColumns } from './sql-builder';

/**
 * Everything that makes a dataset unsafe or impossible to purge as registered: identifiers,
 * columns missing from the customer database, a primary key that differs from the table's,
 * strategies the column type cannot take. Empty when the dataset can run.
 */
export function executionProblems(rule: DatasetRule, table: TableFacts | null): string[] {
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
    if (typeof id !== 'string' || !IDENTIFIER.test(id))
      problems.push(`unsafe identifier ${JSON.stringify(id)}`);
  }
  if (problems.length) return problems;
  if (!table) return [`table ${rule.schema}.${rule.table} does not exist in the system's database`];
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
    if (c && !castType(c))
      problems.push(`primary key column ${name} has an unsupported type (${c.dataType})`);
  }
  for (const name of timeColumns(rule)) {
    const c = col(name);
    if (c && !DATE_TYPES.has(c.dataType)) problems.push(`trigger column ${name} is not a date or timestamp`);
  }
  for (const f of rule.fields) {
    const c = col(f.column);
    if (!c || dueExpression(f, emptyContext()) === 'FALSE') continue;
    if (rule.primaryKey.includes(f.column)) {
      problems.push(`field ${f.key} is part of the primary key: it can only be deleted with its row`);
    }
    const problem = anonymisationProblem(f, c);
    if (problem) problems.push(`field ${f.key}: ${problem}`);
  }
  return problems;
}

/**
 * What the purge will keep of this dataset and why, said before it starts (ADR 0051): rows that
 * other tables reference (anonymised instead of deleted, per constraint) and fields whose strategy
 * cannot apply to their column (left as is unless their row is deleted). The counts come per batch.
 */
export function keptExemptions(
  rule: DatasetRule,
  table: Pick<TableFacts, 'columns' | 'referencedBy'>,
  // Whether a field can ever be due: the same answer in every dialect (the mysql executor asks
  // its own builder).
  canBeDue: (f: FieldRule) => boolean = (f) => dueExpression(f, emptyContext()) !== 'FALSE',
): RetentionExemption[] {
  const dueFields = rule.fields.filter(canBeDue);
  const wholeRows = dueFields.length === rule.fields.length && dueFields.length > 0;
  const out: RetentionExemption[] = [];
  if (wholeRows) {
    for (const r of table.referencedBy) {
      out.push({
        kind: 'referenced_rows',
        constraint: r.name,
        reason: `rows referenced by ${r.schema}.${r.table} (${r.columns.join(', ')}, constraint ${r.name}) are anonymised, not deleted`,
      });
    }
  }
  for (const f of dueFields) {
    const why = rule.primaryKey.includes(f.column) ? null : unpurgeableField(f, table);
    if (why) out.push({ kind: 'field_not_purgeable', fields: [f.key], reason: why });
  }
  return out;
}
