import type { PurgeInputs } from '../../purge-inputs.reader';
import type { DatasetRule } from '../../retention-rule';
import { buildArchiveExpiry, buildArchiveMove } from './archive-sql';
import { RowFlags, rowFlags } from './row-flags-sql';
import { castType, onlyUsedParameters, SqlStatement, subjectIn, TableFacts } from './sql-builder';

/**
 * The changes of a purge batch over the key range its read found: the archive's expiry and move
 * (ADR 0052), then the DELETE and the UPDATE. Each statement builds its own row flags, so that it
 * carries only its own parameters, and repeats the held and due tests in its WHERE clause.
 */

export interface BatchChange {
  kind: 'deleted' | 'anonymised' | 'archived' | 'archiveExpired';
  statement: SqlStatement;
}

/** PurgeBatch.changes (purge-batch-sql.ts says what they do). */
export type BatchChanges = (
  firstKey: string[] | null,
  lastKey: string[] | null,
  due: { deleted: number; anonymised: number; archiveDue?: number },
) => BatchChange[];

/** `movesToArchive`: the dataset's rows move to an archive table (the read's flags have an archive row). */
export function batchChanges(
  rule: DatasetRule,
  table: TableFacts,
  inputs: PurgeInputs,
  movesToArchive: boolean,
): BatchChanges {
  return (firstKey, lastKey, due) => {
    const out: BatchChange[] = [];
    if ((due.archiveDue ?? 0) > 0) {
      // The expired archived rows first: a subject cleared here may be moved again below.
      const f = rowFlags(rule, table, inputs);
      const text = buildArchiveExpiry(rule, f.ctx);
      if (text)
        out.push({ kind: 'archiveExpired', statement: onlyUsedParameters(text, f.ctx.params.values) });
    }
    if (!firstKey || !lastKey) return out;
    if (movesToArchive && (due.deleted > 0 || due.anonymised > 0)) {
      // Before the DELETE and UPDATE: the archive receives the values they are about to remove.
      const f = rowFlags(rule, table, inputs);
      const where = `${keyRange(rule, f, firstKey, lastKey)} AND ${f.archive!.moves(f.held, f.allDue)}`;
      out.push({
        kind: 'archived',
        statement: onlyUsedParameters(
          buildArchiveMove(rule, f.archive!, f.table, where),
          f.ctx.params.values,
        ),
      });
    }
    if (due.deleted > 0) {
      const f = rowFlags(rule, table, inputs);
      if (f.allDue !== 'FALSE') {
        out.push({
          kind: 'deleted',
          statement: {
            ...onlyUsedParameters(
              `DELETE FROM ${f.table} AS t
    WHERE ${keyRange(rule, f, firstKey, lastKey)} AND NOT (${f.held}) AND ${f.allDue}`,
              f.ctx.params.values,
            ),
          },
        });
      }
    }
    if (due.anonymised > 0) {
      const f = rowFlags(rule, table, inputs);
      const range = keyRange(rule, f, firstKey, lastKey);
      const sets = f.sets();
      if (sets.length) {
        out.push({
          kind: 'anonymised',
          statement: {
            ...onlyUsedParameters(
              `UPDATE ${f.table} AS t SET ${sets.join(', ')}
    WHERE ${range} AND NOT (${f.held}) AND ${f.anyPending}`,
              f.ctx.params.values,
            ),
          },
        });
      }
    }
    return out;
  };
}

/** `first ≤ key ≤ last` (and the run's subject filter): the rows a batch's changes may touch. */
function keyRange(rule: DatasetRule, flags: RowFlags, firstKey: string[], lastKey: string[]): string {
  const { ctx, pk } = flags;
  if (firstKey.length !== pk.length || lastKey.length !== pk.length) {
    throw new Error('The batch key range does not match the primary key');
  }
  const row = (cols: string[]) => (cols.length === 1 ? cols[0] : `(${cols.join(', ')})`);
  const typed = (key: string[]) =>
    row(rule.primaryKey.map((c, i) => `${ctx.params.add(key[i])}::${castType(ctx.table!.columns.get(c)!)}`));
  const keyRow = row(pk.map((c) => `t.${c}`));
  const conditions = [`${keyRow} >= ${typed(firstKey)}`, `${keyRow} <= ${typed(lastKey)}`];
  if (ctx.inputs.subjectFilter) conditions.push(subjectIn(ctx, 'filter', ctx.inputs.subjectFilter));
  return conditions.join(' AND ');
}
