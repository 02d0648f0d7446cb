import type { PurgeInputs } from '../purge-inputs.reader';
import type { DatasetRule, FieldRule } from '../retention-rule';
import { unpurgeableField } from './postgres/anonymisation-sql';
import { ColumnFacts, ReferencingConstraint, timeColumns } from './postgres/sql-builder';
import { rowDecision } from './row-decision';

/**
 * The per-row tests of a purge, decided once for every dialect (ADRs 0049, 0051): which fields
 * are due, which of them are anonymised or left as they are (`nullify` on NOT NULL), when a row
 * is deleted, anonymised, undated or held, and which reasons it is kept for. Each dialect's row
 * flags (postgres/row-flags-sql.ts, mysql/mysql-row-flags-sql.ts) pass a RowFlagsDialect that
 * writes the SQL text (identifiers, due tests, replacement values, subject lists), as the due
 * rule does (due-date.rule.ts). What each dialect does with the tests, and in which order it
 * builds its own extras (archive, held, SET clauses), stays with the dialect: the order of the
 * calls numbers a statement's parameters.
 */

export interface RowFlagsDialect<C extends { inputs: PurgeInputs }> {
  quoteIdentifier(identifier: string): string;
  /** The field's due test (fieldDueExpression in this dialect). */
  due(f: FieldRule, ctx: C): string;
  /** The field's replacement value (lazy) and "not yet anonymised" test. */
  anonymisation(f: FieldRule, ctx: C): { value: () => string; pending: string };
  /** `subject in (…)` memoised under `key`, or FALSE when there is no subject. */
  subjectIn(ctx: C, key: string, subjects: string[]): string;
}

export interface FieldDue {
  f: FieldRule;
  due: string;
}

export interface Reference {
  r: ReferencingConstraint;
  exists: string;
}

export type AnonymisedField = FieldDue & { value: () => string; pending: string };

export interface KeptReason {
  label: string;
  expression: string;
}

export interface RowTests {
  /** Every field with its due test, in the rule's order. */
  dues: FieldDue[];
  /** Every foreign key referencing the table, with its `EXISTS` test. */
  refs: Reference[];
  /** Due fields anonymised in place when the row is not deleted. */
  anonymised: AnonymisedField[];
  /** Due fields left as they are (`nullify` on a NOT NULL column). */
  unpurgeable: FieldDue[];
  /** The row is deleted: every field due, and no other row references it. */
  allDue: string;
  /** Some field due for anonymisation and not yet anonymised (and the row not deleted). */
  anyPending: string;
  /** Some trigger date of the row is NULL. */
  undated: string;
  /** Per reason, the row keeps something for it (`constraint:<name>`, `field:<key>`; ADR 0051). */
  kept: KeptReason[];
}

/** What every statement of a purge batch reads of the row flags, on every dialect. */
export interface RowFlagsOf<C, A> {
  /** The statement's context (its parameters, memo). */
  ctx: C;
  /** The dataset's table, quoted (`schema.table`). */
  table: string;
  /** The primary key's columns, quoted. */
  pk: string[];
  held: string;
  /** The row is deleted: every field due, and no other row references it. */
  allDue: string;
  /** Some field due for anonymisation and not yet anonymised (and the row not deleted). */
  anyPending: string;
  undated: string;
  /** SET clauses: built on demand (purge statements only) so other statements carry no unused parameter. */
  sets: () => string[];
  /** The instant the row became due, or NULL. */
  dueSince: string;
  /** The intermediate archive's per-row facts (ADR 0052), or null. */
  archive: A | null;
}

/** The tests as SQL truth values, whatever they are written over (expressions, or a scan's columns). */
export interface RowTerms {
  /** Each field's due test. */
  dues: string[];
  /** Each referencing constraint, with the test that a row references this one. */
  references: { name: string; exists: string }[];
  /** Each anonymised field's due test and "not yet anonymised" test. */
  pending: { due: string; pending: string }[];
  /** Each unpurgeable field's key, due test and "has a value" test. */
  unpurgeable: { key: string; due: string; present: string }[];
}

export interface RowVerdicts {
  del: string;
  anon: string;
  kept: KeptReason[];
}

/**
 * How the tests combine: fields sharing the same purposes share one due test, evaluated once per
 * row; a row is deleted or anonymised as rowDecision says; a wholly due row is kept for each
 * constraint referencing it, and a due unpurgeable field keeps the row's value when not deleted.
 */
export function rowVerdicts(t: RowTerms): RowVerdicts {
  const everyDue =
    t.dues.length === 0 || t.dues.includes('FALSE') ? 'FALSE' : [...new Set(t.dues)].join(' AND ');
  const referenced = t.references.length ? `(${t.references.map((r) => r.exists).join(' OR ')})` : 'FALSE';
  const pending = t.pending.length
    ? t.pending.map((p) => `(${p.due} AND ${p.pending})`).join(' OR ')
    : 'FALSE';
  const { del, anon } = rowDecision(everyDue, referenced, pending);
  const kept = [
    ...(everyDue === 'FALSE'
      ? []
      : t.references.map((r) => ({
          label: `constraint:${r.name}`,
          expression: `(${everyDue}) AND ${r.exists}`,
        }))),
    ...t.unpurgeable.map((u) => ({
      label: `field:${u.key}`,
      expression: `NOT (${del}) AND ${u.due} AND ${u.present}`,
    })),
  ];
  return { del, anon, kept };
}

/** `EXISTS` a row of the referencing table pointing at this row (identifiers from the catalogue, checked). */
function referencedExpression(r: ReferencingConstraint, quote: (identifier: string) => string): string {
  const on = r.columns.map((c, i) => `r.${quote(c)} = t.${quote(r.refColumns[i])}`).join(' AND ');
  return `EXISTS (SELECT 1 FROM ${quote(r.schema)}.${quote(r.table)} AS r WHERE ${on})`;
}

/**
 * The row tests of one statement over `ctx` (which numbers its parameters: the due tests first,
 * then the anonymised fields' tests, in the rule's order on every dialect).
 */
export function rowTests<C extends { inputs: PurgeInputs }>(
  rule: DatasetRule,
  table: { columns: Map<string, ColumnFacts>; referencedBy?: ReferencingConstraint[] },
  ctx: C,
  sql: RowFlagsDialect<C>,
): RowTests {
  const dues = rule.fields.map((f) => ({ f, due: sql.due(f, ctx) }));
  const refs = (table.referencedBy ?? []).map((r) => ({
    r,
    exists: referencedExpression(r, sql.quoteIdentifier),
  }));
  const distinctDues = new Set(dues.map((d) => d.due));
  // When every field has the same due test and no other row references this table, a row is
  // either wholly due (deleted) or not due at all: nothing to anonymise, and no UPDATE.
  const oneTest = distinctDues.size === 1 && !distinctDues.has('FALSE') && refs.length === 0;
  const due = dues.filter((d) => d.due !== 'FALSE' && !rule.primaryKey.includes(d.f.column));
  // `nullify` on a NOT NULL column: left as is, the rest purged (ADR 0051).
  const unpurgeable = due.filter((d) => unpurgeableField(d.f, table));
  const candidates = oneTest ? [] : due.filter((d) => !unpurgeableField(d.f, table));
  const anonymised = candidates.map((d) => ({ ...d, ...sql.anonymisation(d.f, ctx) }));
  const verdicts = rowVerdicts({
    dues: dues.map((d) => d.due),
    references: refs.map((r) => ({ name: r.r.name, exists: r.exists })),
    pending: anonymised,
    unpurgeable: unpurgeable.map((u) => ({
      key: u.f.key,
      due: u.due,
      present: `t.${sql.quoteIdentifier(u.f.column)} IS NOT NULL`,
    })),
  });
  const nullable = timeColumns(rule).map((c) => `t.${sql.quoteIdentifier(c)} IS NULL`);
  return {
    dues,
    refs,
    anonymised,
    unpurgeable,
    allDue: verdicts.del,
    anyPending: verdicts.anon,
    undated: nullable.length ? nullable.join(' OR ') : 'FALSE',
    kept: verdicts.kept,
  };
}

/** The row is held: the whole dataset, or its subject (a subject list parameter, memoised). */
export function heldExpression<C extends { inputs: PurgeInputs }>(ctx: C, sql: RowFlagsDialect<C>): string {
  if (ctx.inputs.wholeDatasetHeld) return 'TRUE';
  return sql.subjectIn(ctx, 'held', ctx.inputs.heldSubjects);
}

/** An anonymised field's new value: replaced where the field is due, as it was elsewhere. */
export function anonymisedValue(a: AnonymisedField, quote: (identifier: string) => string): string {
  return `CASE WHEN ${a.due} THEN ${a.value()} ELSE t.${quote(a.f.column)} END`;
}
