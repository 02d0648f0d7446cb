import type { PurgeInputs } from '../../purge-inputs.reader';
import type { DatasetRule } from '../../retention-rule';
import { rowFlags } from './row-flags-sql';
import { onlyUsedParameters, SqlStatement, subjectIn, TableFacts } from './sql-builder';

/** What is due now in the whole dataset and since when (one scan; for the overdue view). */
export function buildOverdueCount(rule: DatasetRule, table: TableFacts, inputs: PurgeInputs): SqlStatement {
  const flags = rowFlags(rule, table, inputs);
  const text = `SELECT count(*) FILTER (WHERE (del OR anon) AND NOT h)::bigint AS due,
      count(*) FILTER (WHERE (del OR anon) AND h)::bigint AS held,
      count(*) FILTER (WHERE u)::bigint AS undated,
      min(since) FILTER (WHERE (del OR anon) AND NOT h) AS oldest_due_since
    FROM (SELECT (${flags.held}) AS h, (${flags.allDue}) AS del, (${flags.anyPending}) AS anon,
            (${flags.undated}) AS u, ${flags.dueSince} AS since
          FROM ${flags.table} AS t
          ${inputs.subjectFilter ? `WHERE ${subjectIn(flags.ctx, 'filter', inputs.subjectFilter)}` : ''}) s`;
  // The row flags also built the archive's expressions (ADR 0052), which this count does not use.
  return onlyUsedParameters(text, flags.ctx.params.values);
}
