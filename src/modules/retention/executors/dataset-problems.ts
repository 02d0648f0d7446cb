import type { DatasetRule, FieldRule } from '../retention-rule';

/** What the shared check asks of a dialect (postgres, mysql) about its column types. */
export interface DialectCheck<C> {
  /** The register's identifier alphabet for this kind (its longest name differs). */
  identifier: RegExp;
  /** The columns a purge reads for its time tests. */
  timeColumns(rule: DatasetRule): string[];
  keyTypeSupported(c: C): boolean;
  isDate(c: C): boolean;
  /** The column's type as the refusal names it. */
  typeName(c: C): string;
  /** Whether the field can ever be due (a field never due needs no strategy). */
  canBeDue(f: FieldRule): boolean;
  anonymisationProblem(f: FieldRule, c: C): string | null;
  /** Problems of the table itself, said after the identifiers and before the columns (engine…). */
  tableProblems?(): string[];
}

/**
 * Everything that makes a dataset unsafe or impossible to purge as registered, in any dialect:
 * identifiers outside the register's alphabet, columns missing from the customer database, a
 * primary key that differs from the table's, key and trigger types the batches cannot use,
 * strategies the column cannot take. Empty when the dataset can run.
 */
export function datasetProblems<C>(
  rule: DatasetRule,
  table: { columns: Map<string, C>; primaryKey: string[] } | null,
  d: DialectCheck<C>,
): string[] {
  const problems: string[] = [];
  const identifiers = [
    rule.schema,
    rule.table,
    ...rule.primaryKey,
    ...(rule.subjectColumn ? [rule.subjectColumn] : []),
    ...rule.fields.map((f) => f.column),
    ...d.timeColumns(rule),
  ];
  for (const id of identifiers) {
    if (typeof id !== 'string' || !d.identifier.test(id))
      problems.push(`unsafe identifier ${JSON.stringify(id)}`);
  }
  if (problems.length) return problems;
  if (!table) return [`table ${rule.schema}.${rule.table} does not exist in the system's database`];
  problems.push(...(d.tableProblems?.() ?? []));
  const col = (name: string) => table.columns.get(name);
  for (const name of new Set([
    ...rule.primaryKey,
    ...rule.fields.map((f) => f.column),
    ...d.timeColumns(rule),
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
    if (c && !d.keyTypeSupported(c))
      problems.push(`primary key column ${name} has an unsupported type (${d.typeName(c)})`);
  }
  for (const name of d.timeColumns(rule)) {
    const c = col(name);
    if (c && !d.isDate(c)) problems.push(`trigger column ${name} is not a date or timestamp`);
  }
  for (const f of rule.fields) {
    const c = col(f.column);
    if (!c || !d.canBeDue(f)) continue;
    if (rule.primaryKey.includes(f.column)) {
      problems.push(`field ${f.key} is part of the primary key: it can only be deleted with its row`);
    }
    const problem = d.anonymisationProblem(f, c);
    if (problem) problems.push(`field ${f.key}: ${problem}`);
  }
  return problems;
}
