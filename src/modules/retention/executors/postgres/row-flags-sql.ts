import type { PurgeInputs } from '../../purge-inputs.reader';
import { dueExpression, dueSinceExpression } from '../../due-date.rule';
import type { DatasetRule, FieldRule } from '../../retention-rule';
import { rowDecision } from '../row-decision';
import { anonymisation, unpurgeableField } from './anonymisation-sql';
import { ARCHIVE_MOVED, ArchiveRow, archiveRow } from './archive-sql';
import {
  BuildContext,
  Params,
  quoteIdentifier,
  ReferencingConstraint,
  subjectIn,
  TableFacts,
  timeColumns,
} from './sql-builder';

/**
 * The per-row tests every statement of a purge batch shares (held, deleted, anonymised, undated,
 * due since, the SET clauses), built once per statement from the dataset's rule with their own
 * parameters; and the same tests as the batch scan's per-row columns. The read, the changes and
 * the overdue count differ only in what they do with them.
 */

function heldExpression(ctx: BuildContext): string {
  if (ctx.inputs.wholeDatasetHeld) return 'TRUE';
  return subjectIn(ctx, 'held', ctx.inputs.heldSubjects);
}

export interface RowFlags {
  ctx: BuildContext;
  table: string;
  pk: string[];
  held: string;
  /** The row is deleted: every field due, and no other row references it. */
  allDue: string;
  anyPending: string;
  undated: string;
  /** SET clauses: built on demand (purge statements only) so other statements carry no unused parameter. */
  sets: () => string[];
  dueSince: string;
  /** The batch scan's per-row columns: each distinct due test and each pending test once. */
  rowColumns: RowColumns;
  /** The intermediate archive's per-row facts (ADR 0052), or null. */
  archive: ArchiveRow | null;
}

/** `EXISTS` a row of the referencing table pointing at this row (identifiers from the catalogue, checked). */
function referencedExpression(r: ReferencingConstraint): string {
  const on = r.columns
    .map((c, i) => `r.${quoteIdentifier(c)} = t.${quoteIdentifier(r.refColumns[i])}`)
    .join(' AND ');
  return `EXISTS (SELECT 1 FROM ${quoteIdentifier(r.schema)}.${quoteIdentifier(r.table)} AS r WHERE ${on})`;
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
  const dues = rule.fields.map((f) => ({ f, due: dueExpression(f, ctx) }));
  const refs = (table.referencedBy ?? []).map((r) => ({ r, exists: referencedExpression(r) }));
  // Fields sharing the same purposes share one due test: evaluate it once per row.
  const everyDue =
    dues.length === 0 || dues.some((d) => d.due === 'FALSE')
      ? 'FALSE'
      : [...new Set(dues.map((d) => d.due))].join(' AND ');
  const referenced = refs.length ? `(${refs.map((r) => r.exists).join(' OR ')})` : 'FALSE';
  // When every field has the same due test and no other row references this table, a row is
  // either wholly due (deleted) or not due at all: nothing to anonymise, and no UPDATE.
  const oneTest = new Set(dues.map((d) => d.due)).size === 1 && everyDue !== 'FALSE' && refs.length === 0;
  const due = dues.filter((d) => d.due !== 'FALSE' && !rule.primaryKey.includes(d.f.column));
  const candidates = oneTest ? [] : due.filter((d) => !unpurgeableField(d.f, table));
  const unpurgeable = due.filter((d) => unpurgeableField(d.f, table));
  const anonymised = candidates.map((d) => ({ ...d, ...anonymisation(d.f, ctx) }));
  const pending = anonymised.length
    ? anonymised.map((a) => `(${a.due} AND ${a.pending})`).join(' OR ')
    : 'FALSE';
  const sets = () =>
    anonymised.map((a) => {
      const col = quoteIdentifier(a.f.column);
      return `${col} = CASE WHEN ${a.due} THEN ${a.value()} ELSE t.${col} END`;
    });
  const nullable = timeColumns(rule).map((c) => `t.${quoteIdentifier(c)} IS NULL`);
  const archive = archiveRow(rule, ctx, dues);
  const { del: allDue, anon: anyPending } = rowDecision(everyDue, referenced, pending);
  const held = heldExpression(ctx);
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
    undated: nullable.length ? nullable.join(' OR ') : 'FALSE',
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
  const everyDue =
    dues.length === 0 || dues.some((d) => d.due === 'FALSE')
      ? 'FALSE'
      : [...new Set(dues.map((d) => ref(d.due)))].join(' AND ');
  const pending = anonymised.length
    ? anonymised.map((a, i) => `(${ref(a.due)} AND s.q${i})`).join(' OR ')
    : 'FALSE';
  const referenced = refs.length ? `(${refs.map((_, i) => `s.r${i}`).join(' OR ')})` : 'FALSE';
  const { del, anon } = rowDecision(everyDue, referenced, pending);
  return {
    dues: [
      ...distinct.map((d, i) => `(${d}) AS d${i}`),
      ...anonymised.map((a, i) => `${a.pending} AS q${i}`),
      ...refs.map((r, i) => `${r.exists} AS r${i}`),
      ...unpurgeable.map((u, i) => `(t.${quoteIdentifier(u.f.column)} IS NOT NULL) AS n${i}`),
    ],
    del,
    anon,
    kept: [
      ...(everyDue === 'FALSE'
        ? []
        : refs.map((r, i) => ({ label: `constraint:${r.r.name}`, expression: `(${everyDue}) AND s.r${i}` }))),
      ...unpurgeable.map((u, i) => ({
        label: `field:${u.f.key}`,
        expression: `NOT (${del}) AND ${ref(u.due)} AND s.n${i}`,
      })),
    ],
  };
}
