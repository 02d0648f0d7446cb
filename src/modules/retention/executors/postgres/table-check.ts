import { dueExpression } from '../../due-date.rule';
import type { DatasetRule, FieldRule } from '../../retention-rule';
import type { RetentionExemption } from '../../entities/retention-run-dataset.entity';
import { datasetProblems } from '../dataset-problems';
import { anonymisationProblem, unpurgeableField } from './anonymisation-sql';
import { castType, DATE_TYPES, emptyContext, IDENTIFIER, TableFacts, timeColumns } from './sql-builder';

/**
 * Everything that makes a dataset unsafe or impossible to purge as registered: identifiers,
 * columns missing from the customer database, a primary key that differs from the table's,
 * strategies the column type cannot take (the shared check, dataset-problems.ts, for
 * PostgreSQL's types). Empty when the dataset can run.
 */
export function executionProblems(rule: DatasetRule, table: TableFacts | null): string[] {
  return datasetProblems(rule, table, {
    identifier: IDENTIFIER,
    timeColumns,
    keyTypeSupported: (c) => castType(c) !== null,
    isDate: (c) => DATE_TYPES.has(c.dataType),
    typeName: (c) => c.dataType,
    canBeDue: (f) => dueExpression(f, emptyContext()) !== 'FALSE',
    anonymisationProblem,
  });
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
