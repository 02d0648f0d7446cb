import type { PurgeInputs } from '../../purge-inputs.reader';
import { dueExpression, dueSinceExpression } from '../../due-date.rule';
import type { DatasetRule, FieldRule } from '../../retention-rule';
import {
  anonymisedValue,
  heldExpression,
  RowFlagsDialect,
  RowFlagsOf,
  rowTests,
  rowVerdicts,
} from '../row-flags-rule';
import { anonymisation } from './anonymisation-sql';
import { ARCHIVE_MOVED, ArchiveRow, archiveRow } from './archive-sql';
import {
  BuildContext,
  Params,
  quoteIdentifier,
  ReferencingConstraint,
  subjectIn,
  TableFacts,
} from './sql-builder';

/**
 * The per-row tests every statement of a purge batch shares (held, deleted, anonymised, undated,
 * due since, the SET clauses), built once per statement from the dataset's rule with their own
 * parameters; and the same tests as the batch scan's per-row columns. The read, the changes and
 * the overdue count differ only in what they do with them.
 */

/** What the shared row tests (row-flags-rule.ts) need written in PostgreSQL. */
const POSTGRES_ROW: RowFlagsDialect<BuildContext> = {
  quoteIdentifier,
  due: dueExpression,
  anonymisation,
  subjectIn,
};

export interface RowFlags extends RowFlagsOf<BuildContext, ArchiveRow> {
  /** The batch scan's per-row columns: each distinct due test and each pending test once. */
  rowColumns: RowColumns;
}

/**
 * The row flags of one statement, over a fresh context: each statement numbers its own parameters
 * (the batch's read and each of its changes build theirs).
 */
export function rowFlags(rule: DatasetRule, table: TableFacts, inputs: PurgeInputs): RowFlags {
  const ctx: BuildContext = {
    params: new Params(),
    inputs,
    subject: rule.subjectColumn ? quoteIdentifier(rule.subjectColumn) : null,
    table,
    memo: new Map(),
  };
  const pk = rule.primaryKey.map(quoteIdentifier);
  const { dues, refs, anonymised, unpurgeable, allDue, anyPending, undated } = rowTests(
    rule,
    table,
    ctx,
    POSTGRES_ROW,
  );
  const sets = () =>
    anonymised.map((a) => `${quoteIdentifier(a.f.column)} = ${anonymisedValue(a, quoteIdentifier)}`);
  const archive = archiveRow(rule, ctx, dues);
  const held = heldExpression(ctx, POSTGRES_ROW);
  const rowColumns = rowColumnsOf(dues, anonymised, refs, unpurgeable);
  if (archive) {
    // The rows the batch moves to the archive, counted in the read (the dry run's figure).
    rowColumns.dues.push(`${archive.moves(held, allDue)} AS m`);
    rowColumns.kept.push({ label: ARCHIVE_MOVED, expression: 's.m' });
  }
  return {
    ctx,
    table: `${quoteIdentifier(rule.schema)}.${quoteIdentifier(rule.table)}`,
    pk,
    held,
    allDue,
    anyPending,
    undated,
    rowColumns,
    sets,
    dueSince: dueSinceExpression(dues, ctx),
    archive,
  };
}

interface RowColumns {
  dues: string[];
  /** The row is deleted (every field due, not referenced). */
  del: string;
  /** Something of the row is anonymised. */
  anon: string;
  /** Per reason: the row keeps something for it (counted when not held). */
  kept: { label: string; expression: string }[];
}

/**
 * The batch computes each distinct due test once per row (as a column of the LIMITed scan, which
 * the planner does not inline) and derives `del` and `anon` from those columns: the time tests
 * (calendar arithmetic on timestamptz) are the costly part of a batch.
 */
function rowColumnsOf(
  dues: { due: string }[],
  anonymised: { due: string; pending: string }[],
  refs: { r: ReferencingConstraint; exists: string }[],
  unpurgeable: { f: FieldRule; due: string }[],
): RowColumns {
  const distinct = [...new Set(dues.map((d) => d.due))].filter((d) => d !== 'TRUE' && d !== 'FALSE');
  const ref = (due: string) => (due === 'TRUE' || due === 'FALSE' ? due : `s.d${distinct.indexOf(due)}`);
  // The same verdicts as rowTests, over the scan's columns instead of the expressions.
  const { del, anon, kept } = rowVerdicts({
    dues: dues.map((d) => ref(d.due)),
    references: refs.map((r, i) => ({ name: r.r.name, exists: `s.r${i}` })),
    pending: anonymised.map((a, i) => ({ due: ref(a.due), pending: `s.q${i}` })),
    unpurgeable: unpurgeable.map((u, i) => ({ key: u.f.key, due: ref(u.due), present: `s.n${i}` })),
  });
  return {
    dues: [
      ...distinct.map((d, i) => `(${d}) AS d${i}`),
      ...anonymised.map((a, i) => `${a.pending} AS q${i}`),
      ...refs.map((r, i) => `${r.exists} AS r${i}`),
      ...unpurgeable.map((u, i) => `(t.${quoteIdentifier(u.f.column)} IS NOT NULL) AS n${i}`),
    ],
    del,
    anon,
    kept,
  };
}
