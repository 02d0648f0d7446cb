import type { PurgeInputs } from '../../purge-inputs.reader';
import type { DatasetRule } from '../../retention-rule';

/**
 * The pieces every statement of the postgres executor is built from: identifiers checked and
 * quoted, parameters collected, per-statement memo. Pure.
 */

/** What the customer database says about a column (information_schema.columns). */
export interface ColumnFacts {
  name: string;
  dataType: string;
  maxLength: number | null;
  nullable: boolean;
}

/** A foreign key of another table (or this one) that references this table (pg_constraint). */
export interface ReferencingConstraint {
  name: string;
  schema: string;
  table: string;
  /** The referencing columns, in key order… */
  columns: string[];
  /** …and the columns of this table they reference. */
  refColumns: string[];
}

export interface TableFacts {
  columns: Map<string, ColumnFacts>;
  /** The table's actual primary key, in key order. */
  primaryKey: string[];
  /**
   * Foreign keys referencing the table, read at plan time: a row they reference is anonymised,
   * never deleted (ADR 0051), whatever their ON DELETE action (CASCADE would destroy rows kept
   * by other purposes, RESTRICT would fail the batch).
   */
  referencedBy: ReferencingConstraint[];
}

export interface SqlStatement {
  text: string;
  values: unknown[];
}

export class UnsafeIdentifier extends Error {}

export const IDENTIFIER = /^[a-z_][a-z0-9_$]{0,62}$/i;

/** Quotes an identifier that passed the check (the check is what makes it safe). */
export function quoteIdentifier(identifier: string): string {
  if (typeof identifier !== 'string' || !IDENTIFIER.test(identifier)) {
    throw new UnsafeIdentifier(`Refusing unsafe SQL identifier ${JSON.stringify(identifier)}`);
  }
  return `"${identifier.replace(/"/g, '""')}"`;
}

export const TEXT_TYPES = new Set(['text', 'character varying', 'character']);
export const DATE_TYPES = new Set(['date', 'timestamp without time zone', 'timestamp with time zone']);
export const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint']);
export const KEY_TYPES = new Set([...TEXT_TYPES, ...DATE_TYPES, ...INTEGER_TYPES, 'uuid', 'numeric']);
export const HASH_PREFIX = 'hmac:';
export const HASH_LENGTH = HASH_PREFIX.length + 64;

/** A type a parameter may be cast to (catalog names only; `character` would truncate: use text). */
export function castType(column: ColumnFacts): string | null {
  if (TEXT_TYPES.has(column.dataType)) return 'text';
  return KEY_TYPES.has(column.dataType) ? column.dataType : null;
}

/** Placeholders collected while building one statement ($1, $2…; reused where repeated). */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export interface BuildContext {
  params: Params;
  inputs: PurgeInputs;
  subject: string | null;
  table: TableFacts | null;
  /** Memoised per keep so that one expression (and its placeholders) is reused in every clause. */
  memo: Map<string, string>;
}

/** Inputs with nothing held, withdrawn or filtered: statements that read no per-run input (both dialects). */
export function emptyPurgeInputs(): PurgeInputs {
  return {
    withdrawals: new Map(),
    recentContacts: new Map(),
    wholeDatasetHeld: false,
    heldSubjects: [],
    subjectFilter: null,
    hashKey: Buffer.alloc(32),
    batchSize: 1,
    now: new Date(),
  };
}

export function emptyContext(): BuildContext {
  return {
    params: new Params(),
    inputs: emptyPurgeInputs(),
    subject: null,
    table: null,
    memo: new Map(),
  };
}

/** The trigger date columns the rule's time-bound purposes read (both dialects). */
export function timeColumns(rule: DatasetRule): string[] {
  const columns = new Set<string>();
  for (const f of rule.fields) {
    if (f.state !== 'bound') continue;
    for (const k of f.keeps) if (k.expiry.kind === 'time') columns.add(k.expiry.column);
  }
  return [...columns];
}

/** The expression built once under `key` in this statement (mysql's context too), so its parameters are too. */
export function memo(ctx: { memo: Map<string, string> }, key: string, build: () => string): string {
  let value = ctx.memo.get(key);
  if (value === undefined) {
    value = build();
    ctx.memo.set(key, value);
  }
  return value;
}

export function subjectIn(ctx: BuildContext, key: string, subjects: string[]): string {
  if (!ctx.subject || subjects.length === 0) return 'FALSE';
  return memo(ctx, key, () => `t.${ctx.subject}::text = ANY(${ctx.params.add(subjects)}::text[])`);
}

/**
 * A quoted identifier, a string literal, or a placeholder: identifiers may contain `$` (`"a$1"`
 * is a column, not parameter 1), so quoted text is matched first and left as it is.
 */
const QUOTED_OR_PLACEHOLDER = /"(?:[^"]|"")*"|'(?:[^']|'')*'|\$(\d+)/g;

/**
 * Renumbers the placeholders a statement uses ($1… in order of first use) and drops the values
 * it does not: the row flags build parameters for every clause, a single DELETE or UPDATE uses
 * some of them, and PostgreSQL cannot type a parameter no clause uses. Only placeholders are
 * touched, never the text of a quoted identifier or literal.
 */
export function onlyUsedParameters(text: string, values: unknown[]): SqlStatement {
  const renumbered = new Map<number, number>();
  const used: unknown[] = [];
  const out = text.replace(QUOTED_OR_PLACEHOLDER, (token: string, n: string | undefined) => {
    if (n === undefined) return token;
    const old = Number(n);
    let next = renumbered.get(old);
    if (next === undefined) {
      used.push(values[old - 1]);
      next = used.length;
      renumbered.set(old, next);
    }
    return `$${next}`;
  });
  return { text: out, values: used };
}
