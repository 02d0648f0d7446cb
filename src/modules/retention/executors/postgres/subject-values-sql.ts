import type { DatasetRule } from '../../retention-rule';
import { Params, quoteIdentifier, SqlStatement } from './sql-builder';

/** At most this many rows per subject and dataset (a subject with more is read in part). */
export const SUBJECT_ROWS_LIMIT = 1_000;

/**
 * The registered fields of one subject's rows: identifiers from the rule only (checked and
 * quoted), the subject id as a parameter. Each row: its key (as text) and `{ field key: value }`.
 */
export function buildSubjectValuesRead(rule: DatasetRule, subjectId: string): SqlStatement {
  if (!rule.subjectColumn) throw new Error('The dataset declares no subject column');
  const params = new Params();
  const pk = rule.primaryKey.map(quoteIdentifier);
  const values = rule.fields.flatMap((f) => [`${params.add(f.key)}::text`, `t.${quoteIdentifier(f.column)}`]);
  const subject = params.add(subjectId);
  const limit = params.add(SUBJECT_ROWS_LIMIT);
  const text = `SELECT json_build_array(${pk.map((c) => `t.${c}::text`).join(', ')}) AS key,
    json_build_object(${values.join(', ')}) AS values
  FROM ${quoteIdentifier(rule.schema)}.${quoteIdentifier(rule.table)} AS t
  WHERE t.${quoteIdentifier(rule.subjectColumn)}::text = ${subject}::text
  ORDER BY ${pk.map((c) => `t.${c}`).join(', ')}
  LIMIT ${limit}::int`;
  return { text, values: params.values };
}
