import type { ExecuteValues } from 'mysql2/typings/mysql/lib/protocol/sequences/Query';
import type { PurgeInputs } from '../../purge-inputs.reader';
import { emptyPurgeInputs, memo, Params, ReferencingConstraint } from '../postgres/sql-builder';

export type { ReferencingConstraint } from '../postgres/sql-builder';
// Dialect-free pieces, written once (postgres/sql-builder.ts): the per-statement memo and the
// rule's trigger date columns.
export { memo, timeColumns } from '../postgres/sql-builder';

/**
 * The pieces every statement of the mysql executor is built from (ADR 0049): identifiers checked
 * against the register's alphabet and quoted with backticks, values collected as numbered markers
 * and turned into positional `?` parameters at the end (a value used twice is bound twice). Pure.
 */

/** What information_schema.COLUMNS says about a column. */
export interface MysqlColumnFacts {
  name: string;
  /** DATA_TYPE, lower case: `varchar`, `varbinary`, `bigint`, `datetime`, `tinytext`… */
  dataType: string;
  /** COLUMN_TYPE, lower case: `varbinary(16)`, `bigint(20) unsigned`, `decimal(9,6)`… */
  columnType: string;
  /** Characters (text) or bytes (binary); null for other types. */
  maxLength: number | null;
  nullable: boolean;
}

export interface MysqlTableFacts {
  columns: Map<string, MysqlColumnFacts>;
  /** The table's actual primary key, in key order. */
  primaryKey: string[];
  /** The storage engine: only InnoDB has the transactions the exactly-once protocol needs. */
  engine: string | null;
  /**
   * Foreign keys referencing the table (information_schema, read at plan time): a row they
   * reference is anonymised, never deleted (ADR 0051), whatever their ON DELETE action.
   */
  referencedBy: ReferencingConstraint[];
}

/** A value mysql2 binds (strings, numbers, Buffers, Dates, null). */
export type MysqlValue = ExecuteValues;

export interface MysqlStatement {
  /** With `?` placeholders, in the order of `values`. */
  text: string;
  values: MysqlValue[];
}

export class UnsafeMysqlIdentifier extends Error {}

/** The register's identifier alphabet (no backtick, quote, dot, space or comment can get in). */
export const MYSQL_IDENTIFIER = /^[a-z_][a-z0-9_$]{0,63}$/i;

export function quoteMysqlIdentifier(identifier: string): string {
  if (typeof identifier !== 'string' || !MYSQL_IDENTIFIER.test(identifier)) {
    throw new UnsafeMysqlIdentifier(`Refusing unsafe SQL identifier ${JSON.stringify(identifier)}`);
  }
  return `\`${identifier.replace(/`/g, '``')}\``;
}

export const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);
export const BINARY_TYPES = new Set(['binary', 'varbinary']);
export const BLOB_TYPES = new Set(['tinyblob', 'blob', 'mediumblob', 'longblob']);
export const DATE_TYPES = new Set(['date', 'datetime', 'timestamp']);
export const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);
export const DECIMAL_TYPES = new Set(['decimal', 'numeric', 'float', 'double']);

/** Primary-key types the keyset cursor can carry as text and compare exactly. */
export function keyTypeSupported(c: MysqlColumnFacts): boolean {
  return (
    TEXT_TYPES.has(c.dataType) ||
    BINARY_TYPES.has(c.dataType) ||
    INTEGER_TYPES.has(c.dataType) ||
    DATE_TYPES.has(c.dataType) ||
    c.dataType === 'decimal'
  );
}

/** A key column as text (the cursor, the ledger's key range): binary as hex, numbers as digits. */
export function keyAsText(c: MysqlColumnFacts, ref: string): string {
  if (BINARY_TYPES.has(c.dataType)) return `HEX(${ref})`;
  if (TEXT_TYPES.has(c.dataType)) return ref;
  return `CAST(${ref} AS CHAR)`;
}

/** A cursor value (text) back to the column's type, for an exact comparison. */
export function keyFromText(c: MysqlColumnFacts, placeholder: string): string {
  if (BINARY_TYPES.has(c.dataType)) return `UNHEX(${placeholder})`;
  if (INTEGER_TYPES.has(c.dataType)) {
    return `CAST(${placeholder} AS ${c.columnType.includes('unsigned') ? 'UNSIGNED' : 'SIGNED'})`;
  }
  if (c.dataType === 'decimal') return `CAST(${placeholder} AS DECIMAL(65,30))`;
  if (c.dataType === 'date') return `CAST(${placeholder} AS DATE)`;
  if (DATE_TYPES.has(c.dataType)) return `CAST(${placeholder} AS DATETIME(6))`;
  return placeholder;
}

/**
 * Values collected while building one statement, as markers `$1`, `$2`… (reusable): the same
 * numbering as PostgreSQL's placeholders, turned into positional `?` by `positional` at the end.
 */
export class MysqlParams extends Params {}

/** A backtick identifier, a string literal, or a marker: markers inside quotes are text. */
const QUOTED_OR_MARKER = /`(?:[^`]|``)*`|'(?:[^'\\]|\\.|'')*'|\$(\d+)/g;

/** Turns markers into positional `?` with their values in order (repeats bound again). */
export function positional(text: string, values: unknown[]): MysqlStatement {
  const out: MysqlValue[] = [];
  const sql = text.replace(QUOTED_OR_MARKER, (token: string, n: string | undefined) => {
    if (n === undefined) return token;
    const index = Number(n) - 1;
    if (index < 0 || index >= values.length) throw new Error(`No value for marker $${n}`);
    out.push(values[index] as MysqlValue);
    return '?';
  });
  return { text: sql, values: out };
}

/** An integer from code or configuration as a literal (LIMIT, INTERVAL, LEFT): checked, never text. */
export function integerLiteral(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`Not an integer: ${String(value)}`);
  return String(value);
}

export interface MysqlBuildContext {
  params: MysqlParams;
  inputs: PurgeInputs;
  /** The subject column, quoted (null: none declared). */
  subject: string | null;
  table: MysqlTableFacts | null;
  memo: Map<string, string>;
  /** IP prefixes kept by `generalise` on IP addresses (ADR 0049). */
  ipPrefixes: { v4: number; v6: number };
}

/** `subject IN (…)`, one bound value per subject; FALSE for none (never an empty list). */
export function subjectIn(ctx: MysqlBuildContext, key: string, subjects: string[]): string {
  if (!ctx.subject || subjects.length === 0) return 'FALSE';
  return memo(
    ctx,
    key,
    () => `CAST(t.${ctx.subject} AS CHAR) IN (${subjects.map((s) => ctx.params.add(s)).join(', ')})`,
  );
}

export function emptyMysqlContext(): MysqlBuildContext {
  return {
    params: new MysqlParams(),
    inputs: emptyPurgeInputs(),
    subject: null,
    table: null,
    memo: new Map(),
    ipPrefixes: { v4: 24, v6: 48 },
  };
}
