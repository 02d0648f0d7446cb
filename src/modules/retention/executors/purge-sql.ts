import { createHash } from 'node:crypto';
import { addDuration, toMakeIntervalArgs } from '../../../common/time/iso-duration';
import type { DatasetRule, FieldRule, PurposeKeep } from '../retention-rule';

/**
 * Builds the SQL of a purge batch, a dry-run batch and the overdue count for one dataset.
 * Identifiers come only from the registered dataset, are re-checked here and quoted; every
 * value is a parameter. Pure: unit-tested without a database (purge-sql.spec.ts).
 */

/** What the customer database says about a column (information_schema.columns). */
export interface ColumnFacts {
  name: string;
  dataType: string;
  maxLength: number | null;
  nullable: boolean;
}

export interface TableFacts {
  columns: Map<string, ColumnFacts>;
  /** The table's actual primary key, in key order. */
  primaryKey: string[];
}

export interface PurgeInputs {
  /** purpose code → consent withdrawals of the subjects in scope. */
  withdrawals: Map<string, { subjectId: string; withdrawnAt: Date }[]>;
  wholeDatasetHeld: boolean;
  heldSubjects: string[];
  /** Erasure / consent-withdrawal runs: only these subjects' rows are considered. */
  subjectFilter: string[] | null;
  /** Key of the anonymisation hash (HMAC-SHA256, computed in SQL without extensions). */
  hashKey: Buffer;
  batchSize: number;
  now: Date;
}

export interface SqlStatement {
  text: string;
  values: unknown[];
}

export class UnsafeIdentifier extends Error {}

const IDENTIFIER = /^[a-z_][a-z0-9_$]{0,62}$/i;

/** Quotes an identifier that passed the check (the check is what makes it safe). */
export function quoteIdentifier(identifier: string): string {
  if (typeof identifier !== 'string' || !IDENTIFIER.test(identifier)) {
    throw new UnsafeIdentifier(`Refusing unsafe SQL identifier ${JSON.stringify(identifier)}`);
  }
  return `"${identifier.replace(/"/g, '""')}"`;
}

const TEXT_TYPES = new Set(['text', 'character varying', 'character']);
const DATE_TYPES = new Set(['date', 'timestamp without time zone', 'timestamp with time zone']);
const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint']);
const KEY_TYPES = new Set([...TEXT_TYPES, ...DATE_TYPES, ...INTEGER_TYPES, 'uuid', 'numeric']);
const HASH_PREFIX = 'hmac:';
const HASH_LENGTH = HASH_PREFIX.length + 64;

/** A type a parameter may be cast to (catalog names only; `character` would truncate: use text). */
function castType(column: ColumnFacts): string | null {
  if (TEXT_TYPES.has(column.dataType)) return 'text';
  return KEY_TYPES.has(column.dataType) ? column.dataType : null;
}

/**
 * Everything that makes a dataset unsafe or impossible to purge as registered: identifiers,
 * columns missing from the customer database, a primary key that differs from the table's,
 * strategies the column type cannot take. Empty when the dataset can run.
 */
export function executionProblems(rule: DatasetRule, table: TableFacts | null): string[] {
  const problems: string[] = [];
  const identifiers = [
    rule.schema,
    rule.table,
    ...rule.primaryKey,
    ...(rule.subjectColumn ? [rule.subjectColumn] : []),
    ...rule.fields.map((f) => f.column),
    ...timeColumns(rule),
  ];
  for (const id of identifiers) {
    if (typeof id !== 'string' || !IDENTIFIER.test(id))
      problems.push(`unsafe identifier ${JSON.stringify(id)}`);
  }
  if (problems.length) return problems;
  if (!table) return [`table ${rule.schema}.${rule.table} does not exist in the system's database`];
  const col = (name: string) => table.columns.get(name);
  for (const name of new Set([
    ...rule.primaryKey,
    ...rule.fields.map((f) => f.column),
    ...timeColumns(rule),
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
    if (c && !castType(c))
      problems.push(`primary key column ${name} has an unsupported type (${c.dataType})`);
  }
  for (const name of timeColumns(rule)) {
    const c = col(name);
    if (c && !DATE_TYPES.has(c.dataType)) problems.push(`trigger column ${name} is not a date or timestamp`);
  }
  for (const f of rule.fields) {
    const c = col(f.column);
    if (!c || dueExpression(f, emptyContext()) === 'FALSE') continue;
    if (rule.primaryKey.includes(f.column)) {
      problems.push(`field ${f.key} is part of the primary key: it can only be deleted with its row`);
    }
    const problem = anonymisationProblem(f, c);
    if (problem) problems.push(`field ${f.key}: ${problem}`);
  }
  return problems;
}

function anonymisationProblem(f: FieldRule, c: ColumnFacts): string | null {
  switch (f.anonymisation.strategy as string) {
    case 'nullify':
      return c.nullable
        ? null
        : `column ${c.name} is NOT NULL: choose "fixed", "hash" or "generalise" instead of "nullify"`;
    case 'hash':
      if (!TEXT_TYPES.has(c.dataType) || c.dataType === 'character')
        return `"hash" needs a text column (${c.name} is ${c.dataType})`;
      return c.maxLength !== null && c.maxLength < HASH_LENGTH
        ? `"hash" needs room for ${HASH_LENGTH} characters (${c.name} holds ${c.maxLength})`
        : null;
    case 'generalise':
      return TEXT_TYPES.has(c.dataType) ||
        DATE_TYPES.has(c.dataType) ||
        INTEGER_TYPES.has(c.dataType) ||
        c.dataType === 'numeric'
        ? null
        : `"generalise" applies to dates, numbers and text prefixes (${c.name} is ${c.dataType})`;
    case 'fixed':
      return castType(c) ? null : `"fixed" is not supported for ${c.name} (${c.dataType})`;
    default:
      return `unknown anonymisation strategy ${JSON.stringify((f.anonymisation as { strategy: unknown }).strategy)}`;
  }
}

/** Placeholders collected while building one statement ($1, $2…; reused where repeated). */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

interface BuildContext {
  params: Params;
  inputs: PurgeInputs;
  subject: string | null;
  table: TableFacts | null;
  /** Memoised per keep so that one expression (and its placeholders) is reused in every clause. */
  memo: Map<string, string>;
}

function emptyContext(): BuildContext {
  return {
    params: new Params(),
    inputs: {
      withdrawals: new Map(),
      wholeDatasetHeld: false,
      heldSubjects: [],
      subjectFilter: null,
      hashKey: Buffer.alloc(32),
      batchSize: 1,
      now: new Date(),
    },
    subject: null,
    table: null,
    memo: new Map(),
  };
}

function timeColumns(rule: DatasetRule): string[] {
  const columns = new Set<string>();
  for (const f of rule.fields) {
    if (f.state !== 'bound') continue;
    for (const k of f.keeps) if (k.expiry.kind === 'time') columns.add(k.expiry.column);
  }
  return [...columns];
}

function memo(ctx: BuildContext, key: string, build: () => string): string {
  let value = ctx.memo.get(key);
  if (value === undefined) {
    value = build();
    ctx.memo.set(key, value);
  }
  return value;
}

function intervalOf(ctx: BuildContext, k: PurposeKeep & { expiry: { kind: 'time' } }): string {
  return memo(ctx, `interval:${k.purposeCode}`, () => {
    const args = toMakeIntervalArgs(k.expiry.duration).map((n) => `${ctx.params.add(n)}::int`);
    return `make_interval(${args.join(', ')})`;
  });
}

/**
 * Margin of the thresholds around `now() - duration`. Calendar arithmetic is not invertible
 * (month ends clamp: at most 3 days; a DST change: 1 hour), so `x + d` and `(now() - d)` may
 * disagree by less than this near the boundary, never by more.
 */
const THRESHOLD_MARGIN = "'7 days'::interval";

/**
 * `column + duration < now()`, evaluated cheaply and exactly. Two thresholds are computed once
 * per statement (uncorrelated scalar subqueries: InitPlans, not per-row calls): rows older than
 * `now() - duration - 7 days` are due, rows newer than `now() - duration + 7 days` are not, and
 * only the rows between the two (a two-week band) pay the exact calendar arithmetic. Same answer
 * as the exact test for every row, a plain comparison for nearly all of them (and index-friendly).
 */
function timeDue(ctx: BuildContext, k: PurposeKeep & { expiry: { kind: 'time' } }, column: string): string {
  const interval = intervalOf(ctx, k);
  const surely = `(SELECT now() - ${interval} - ${THRESHOLD_MARGIN})`;
  const maybe = `(SELECT now() - ${interval} + ${THRESHOLD_MARGIN})`;
  return `(${column} < ${surely} OR (${column} < ${maybe} AND ${column} + ${interval} < now()))`;
}

function subjectIn(ctx: BuildContext, key: string, subjects: string[]): string {
  if (!ctx.subject || subjects.length === 0) return 'FALSE';
  return memo(ctx, key, () => `t.${ctx.subject}::text = ANY(${ctx.params.add(subjects)}::text[])`);
}

function expiredExpression(k: PurposeKeep, ctx: BuildContext): string {
  const e = k.expiry;
  switch (e.kind) {
    case 'now':
      return 'TRUE';
    case 'never':
      return 'FALSE';
    case 'on_withdrawal': {
      const withdrawn = (ctx.inputs.withdrawals.get(k.purposeCode) ?? [])
        .filter((w) => w.withdrawnAt.getTime() <= ctx.inputs.now.getTime())
        .map((w) => w.subjectId);
      return subjectIn(ctx, `withdrawn:${k.purposeCode}`, withdrawn);
    }
    case 'after_withdrawal': {
      const matured = (ctx.inputs.withdrawals.get(k.purposeCode) ?? [])
        .filter((w) => addDuration(w.withdrawnAt, e.duration).getTime() < ctx.inputs.now.getTime())
        .map((w) => w.subjectId);
      return subjectIn(ctx, `matured:${k.purposeCode}`, matured);
    }
    case 'time': {
      const column = `t.${quoteIdentifier(e.column)}`;
      const byTime = `(${column} IS NOT NULL AND ${timeDue(ctx, k as PurposeKeep & { expiry: typeof e }, column)})`;
      if (!e.endsOnWithdrawal) return byTime;
      const withdrawn = (ctx.inputs.withdrawals.get(k.purposeCode) ?? [])
        .filter((w) => w.withdrawnAt.getTime() <= ctx.inputs.now.getTime())
        .map((w) => w.subjectId);
      const byWithdrawal = subjectIn(ctx, `withdrawn:${k.purposeCode}`, withdrawn);
      return byWithdrawal === 'FALSE' ? byTime : `(${byTime} OR ${byWithdrawal})`;
    }
  }
}

/** SQL truth value "this field is due for the row" (alias t). */
export function dueExpression(f: FieldRule, ctx: BuildContext): string {
  // Only two states can make a field due: every bound purpose retired (due now), or active
  // purposes that have all expired. Anything else (unbound, drafts only) is never due; listed by
  // what may purge, so that a new state cannot fall through to an empty, always-true conjunction.
  if (f.state === 'no_active_purpose') return 'TRUE';
  if (f.state !== 'bound' || f.keeps.length === 0) return 'FALSE';
  const parts = f.keeps.map((k) => expiredExpression(k, ctx));
  if (parts.includes('FALSE')) return 'FALSE';
  const meaningful = parts.filter((p) => p !== 'TRUE');
  return meaningful.length === 0 ? 'TRUE' : `(${meaningful.join(' AND ')})`;
}

function heldExpression(ctx: BuildContext): string {
  if (ctx.inputs.wholeDatasetHeld) return 'TRUE';
  return subjectIn(ctx, 'held', ctx.inputs.heldSubjects);
}

/**
 * Replacement value and "not yet anonymised" test of one field (idempotent re-runs). Both are
 * built lazily: a statement must only carry the parameters it uses.
 */
function anonymisation(f: FieldRule, ctx: BuildContext): { value: () => string; pending: string } {
  const c = `t.${quoteIdentifier(f.column)}`;
  const facts = ctx.table?.columns.get(f.column);
  const type = facts?.dataType ?? 'text';
  switch (f.anonymisation.strategy as string) {
    case 'hash':
      return {
        value: () => {
          const { inner, outer } = hmacPads(ctx.inputs.hashKey);
          const ipad = memo(ctx, 'ipad', () => `${ctx.params.add(inner)}::bytea`);
          const opad = memo(ctx, 'opad', () => `${ctx.params.add(outer)}::bytea`);
          return `'${HASH_PREFIX}' || encode(sha256(${opad} || sha256(${ipad} || convert_to(${c}::text, 'UTF8'))), 'hex')`;
        },
        pending: `(${c} IS NOT NULL AND left(${c}::text, ${HASH_PREFIX.length}) <> '${HASH_PREFIX}')`,
      };
    case 'generalise': {
      if (type === 'date') {
        const year = `make_date(extract(year FROM ${c})::int, 1, 1)`;
        return { value: () => year, pending: `(${c} IS NOT NULL AND ${c} <> ${year})` };
      }
      if (DATE_TYPES.has(type)) {
        return {
          value: () => `date_trunc('year', ${c})`,
          pending: `(${c} IS NOT NULL AND ${c} <> date_trunc('year', ${c}))`,
        };
      }
      if (INTEGER_TYPES.has(type)) return { value: () => `(${c} / 10) * 10`, pending: `(${c} % 10 <> 0)` };
      if (type === 'numeric') return { value: () => `trunc(${c}, -1)`, pending: `(${c} <> trunc(${c}, -1))` };
      const keep = prefixLength(f.anonymisation.value);
      const n = memo(ctx, `prefix:${keep}`, () => `${ctx.params.add(keep)}::int`);
      return { value: () => `left(${c}, ${n})`, pending: `(length(${c}) > ${n})` };
    }
    case 'fixed': {
      const cast = facts ? (castType(facts) ?? 'text') : 'text';
      const p = memo(ctx, `fixed:${f.key}`, () => `${ctx.params.add(f.anonymisation.value ?? '')}::${cast}`);
      return { value: () => p, pending: `(${c} IS DISTINCT FROM ${p})` };
    }
    case 'nullify':
    default:
      return { value: () => 'NULL', pending: `(${c} IS NOT NULL)` };
  }
}

/** "3" keeps 3 characters; "postcode-prefix" (or nothing) keeps the 2 of a French département. */
function prefixLength(hint: string | undefined): number {
  const n = hint && /^\d{1,2}$/.test(hint) ? Number(hint) : 2;
  return Math.max(0, Math.min(n, 20));
}

/** HMAC(K, m) = H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)) with PostgreSQL's built-in sha256(). */
export function hmacPads(key: Buffer): { inner: Buffer; outer: Buffer } {
  const block = Buffer.alloc(64);
  (key.length > 64 ? createHash('sha256').update(key).digest() : key).copy(block);
  return {
    inner: Buffer.from(block.map((b) => b ^ 0x36)),
    outer: Buffer.from(block.map((b) => b ^ 0x5c)),
  };
}

interface RowFlags {
  ctx: BuildContext;
  table: string;
  pk: string[];
  held: string;
  allDue: string;
  anyPending: string;
  undated: string;
  /** SET clauses: built on demand (purge statements only) so other statements carry no unused parameter. */
  sets: () => string[];
  dueSince: string;
  /** The batch scan's per-row columns: each distinct due test and each pending test once. */
  rowColumns: { dues: string[]; allDue: string; anyPending: string };
}

function rowFlags(rule: DatasetRule, table: TableFacts, inputs: PurgeInputs): RowFlags {
  const ctx: BuildContext = {
    params: new Params(),
    inputs,
    subject: rule.subjectColumn ? quoteIdentifier(rule.subjectColumn) : null,
    table,
    memo: new Map(),
  };
  const pk = rule.primaryKey.map(quoteIdentifier);
  const dues = rule.fields.map((f) => ({ f, due: dueExpression(f, ctx) }));
  // Fields sharing the same purposes share one due test: evaluate it once per row.
  const allDue =
    dues.length === 0 || dues.some((d) => d.due === 'FALSE')
      ? 'FALSE'
      : [...new Set(dues.map((d) => d.due))].join(' AND ');
  // When every field has the same due test, a row is either wholly due (deleted) or not due at
  // all: there is never anything to anonymise, and the purge needs no UPDATE.
  const oneTest = new Set(dues.map((d) => d.due)).size === 1 && allDue !== 'FALSE';
  const candidates = oneTest
    ? []
    : dues.filter((d) => d.due !== 'FALSE' && !rule.primaryKey.includes(d.f.column));
  const anonymised = candidates.map((d) => ({ ...d, ...anonymisation(d.f, ctx) }));
  const anyPending = anonymised.length
    ? anonymised.map((a) => `(${a.due} AND ${a.pending})`).join(' OR ')
    : 'FALSE';
  const sets = () =>
    anonymised.map((a) => {
      const col = quoteIdentifier(a.f.column);
      return `${col} = CASE WHEN ${a.due} THEN ${a.value()} ELSE t.${col} END`;
    });
  const nullable = timeColumns(rule).map((c) => `t.${quoteIdentifier(c)} IS NULL`);
  const since = dues
    .filter((d) => d.due !== 'FALSE')
    .map((d) => {
      const instants = d.f.keeps
        .filter((k) => k.expiry.kind === 'time')
        .map((k) => {
          const e = k.expiry as PurposeKeep['expiry'] & { kind: 'time' };
          return `t.${quoteIdentifier(e.column)} + ${intervalOf(ctx, k as PurposeKeep & { expiry: typeof e })}`;
        });
      return instants.length ? `CASE WHEN ${d.due} THEN GREATEST(${instants.join(', ')}) END` : null;
    })
    .filter((s): s is string => s !== null);
  return {
    ctx,
    table: `${quoteIdentifier(rule.schema)}.${quoteIdentifier(rule.table)}`,
    pk,
    held: heldExpression(ctx),
    allDue,
    anyPending: allDue === 'FALSE' ? anyPending : `(NOT (${allDue}) AND (${anyPending}))`,
    undated: nullable.length ? nullable.join(' OR ') : 'FALSE',
    rowColumns: rowColumnsOf(dues, anonymised),
    sets,
    dueSince: since.length ? `LEAST(${since.join(', ')})` : 'NULL::timestamptz',
  };
}

/**
 * The batch computes each distinct due test once per row (as a column of the LIMITed scan, which
 * the planner does not inline) and derives `del` and `anon` from those columns: the time tests
 * (calendar arithmetic on timestamptz) are the costly part of a batch.
 */
function rowColumnsOf(
  dues: { due: string }[],
  anonymised: { due: string; pending: string }[],
): RowFlags['rowColumns'] {
  const distinct = [...new Set(dues.map((d) => d.due))].filter((d) => d !== 'TRUE' && d !== 'FALSE');
  const ref = (due: string) => (due === 'TRUE' || due === 'FALSE' ? due : `s.d${distinct.indexOf(due)}`);
  const allDue =
    dues.length === 0 || dues.some((d) => d.due === 'FALSE')
      ? 'FALSE'
      : [...new Set(dues.map((d) => ref(d.due)))].join(' AND ');
  const pending = anonymised.length
    ? anonymised.map((a, i) => `(${ref(a.due)} AND s.q${i})`).join(' OR ')
    : 'FALSE';
  return {
    dues: [
      ...distinct.map((d, i) => `(${d}) AS d${i}`),
      ...anonymised.map((a, i) => `${a.pending} AS q${i}`),
    ],
    allDue,
    anyPending: allDue === 'FALSE' ? pending : `(NOT (${allDue}) AND (${pending}))`,
  };
}

interface BatchParts {
  /** The CTEs that read the batch: `batch` (one row of counts and, for a one-column key, its ends). */
  ctes: string[];
  /** The batch rows with their flags (p0…, h, u, del, anon), for the dry run's sample. */
  flagged: string;
  firstKey: string;
  lastKey: string;
}

/**
 * Reads one batch: the next `batchSize` rows after the cursor in primary-key order (an index
 * range scan), aggregated into one row of counts and the key range it covers. Each distinct due
 * test is computed once per row (a column of the LIMITed scan) and `del` / `anon` derive from
 * those columns. The range (`key > cursor AND key <= last key`) is what the purge statement's
 * DELETE and UPDATE then scan, as a plain `DELETE … WHERE` would: an index range scan, no join
 * and no per-row lookup. All of it sees the same snapshot, so the counts and the changes agree.
 */
function batchParts(rule: DatasetRule, flags: RowFlags, cursor: string[] | null): BatchParts {
  const { ctx, pk } = flags;
  const table = ctx.table!;
  const conditions: string[] = [];
  const row = (cols: string[]) => (cols.length === 1 ? cols[0] : `(${cols.join(', ')})`);
  const keyRow = row(pk.map((c) => `t.${c}`));
  if (cursor) {
    if (cursor.length !== pk.length) throw new Error('The cursor does not match the primary key');
    const typed = rule.primaryKey.map(
      (c, i) => `${ctx.params.add(cursor[i])}::${castType(table.columns.get(c)!)}`,
    );
    conditions.push(`${keyRow} > ${row(typed)}`);
  }
  if (ctx.inputs.subjectFilter) conditions.push(subjectIn(ctx, 'filter', ctx.inputs.subjectFilter));
  const limit = `${ctx.params.add(ctx.inputs.batchSize)}::int`;
  const rc = flags.rowColumns;
  const keys = pk.map((_, i) => `p${i}`);
  const scan = (columns: string) => `SELECT ${columns}
      FROM ${flags.table} AS t
      ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
      ORDER BY ${pk.map((c) => `t.${c}`).join(', ')}
      LIMIT ${limit}`;
  const flagged = `SELECT ${keys.map((k) => `s.${k}`).join(', ')}, s.h, s.u, (${rc.allDue}) AS del, (${rc.anyPending}) AS anon
    FROM (${scan(
      `${pk.map((c, i) => `t.${c} AS p${i}`).join(', ')},
        (${flags.held}) AS h, (${flags.undated}) AS u${rc.dues.length ? `, ${rc.dues.join(', ')}` : ''}`,
    )}) s`;
  const counts = `count(*)::int AS scanned,
      count(*) FILTER (WHERE NOT h AND del)::int AS due_deleted,
      count(*) FILTER (WHERE NOT h AND NOT del AND anon)::int AS due_anonymised,
      count(*) FILTER (WHERE h AND (del OR anon))::int AS held,
      count(*) FILTER (WHERE u)::int AS undated`;
  const textKeys = (prefix: string) =>
    `json_build_array(${keys.map((k) => `${prefix}${k}::text`).join(', ')})`;
  if (pk.length === 1) {
    // One pass: the counts and both ends of the batch (min/max of the key, no sort).
    return {
      ctes: [`batch AS (SELECT ${counts}, min(p0) AS f0, max(p0) AS l0 FROM (${flagged}) b)`],
      flagged,
      firstKey: `(SELECT CASE WHEN scanned > 0 THEN json_build_array(f0::text) END FROM batch)`,
      lastKey: `(SELECT CASE WHEN scanned > 0 THEN json_build_array(l0::text) END FROM batch)`,
    };
  }
  // A composite key: its ends come from the (ordered) key scan, the last one by a top-1 sort.
  const keyScan = scan(pk.map((c, i) => `t.${c} AS p${i}`).join(', '));
  return {
    ctes: [
      `batch AS (SELECT ${counts} FROM (${flagged}) b)`,
      `first_row AS (SELECT ${keys.join(', ')} FROM (${keyScan}) k ORDER BY ${keys.join(', ')} LIMIT 1)`,
      `last_row AS (SELECT ${keys.join(', ')} FROM (${keyScan}) k ORDER BY ${keys.map((k) => `${k} DESC`).join(', ')} LIMIT 1)`,
    ],
    flagged,
    firstKey: `(SELECT ${textKeys('')} FROM first_row)`,
    lastKey: `(SELECT ${textKeys('')} FROM last_row)`,
  };
}

/**
 * A purge batch: one read, then the changes over the key range it found, in one short customer
 * transaction (postgres-executor.ts runs them).
 */
export interface PurgeBatch {
  /**
   * Reads the next `batchSize` rows after the cursor (an index range scan): scanned, due_deleted,
   * due_anonymised, held, undated, first_key, last_key and the transaction id (xid).
   */
  read: SqlStatement;
  /**
   * The DELETE and UPDATE over the key range the read returned (`first_key ≤ key ≤ last_key`, the
   * keys as parameters), each with the held and due tests as its own WHERE clause: only rows that
   * are due and not held on the version they change are touched, and a row changed concurrently
   * is re-checked on its latest version (READ COMMITTED). Top-level statements counted by their
   * affected rows (RETURNING would fetch every deleted row again). A statement the read found
   * nothing for is left out.
   */
  changes: (
    firstKey: string[],
    lastKey: string[],
    due: { deleted: number; anonymised: number },
  ) => {
    kind: 'deleted' | 'anonymised';
    statement: SqlStatement;
  }[];
}

/**
 * One purge batch. Rows whose every field is due are deleted, rows with some due fields have
 * those anonymised; held rows are counted, never touched; deleted and anonymised are what the
 * statements changed (affected rows). The next cursor is the batch's last key.
 */
export function buildPurgeBatch(
  rule: DatasetRule,
  table: TableFacts,
  inputs: PurgeInputs,
  cursor: string[] | null,
): PurgeBatch {
  const flags = rowFlags(rule, table, inputs);
  const b = batchParts(rule, flags, cursor);
  const read = {
    text: `WITH ${b.ctes.join(',\n  ')}
  SELECT c.scanned, c.due_deleted, c.due_anonymised, c.held, c.undated,
    ${b.firstKey} AS first_key,
    ${b.lastKey} AS last_key,
    txid_current()::text AS xid
  FROM batch c`,
    values: flags.ctx.params.values,
  };
  const changes: PurgeBatch['changes'] = (firstKey, lastKey, due) => {
    const out: ReturnType<PurgeBatch['changes']> = [];
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
  return { read, changes };
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
function onlyUsedParameters(text: string, values: unknown[]): SqlStatement {
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

/** The same batch, read-only: what a purge would do, with a sample of the row keys concerned. */
export function buildDryRunBatch(
  rule: DatasetRule,
  table: TableFacts,
  inputs: PurgeInputs,
  cursor: string[] | null,
  sampleSize: number,
): SqlStatement {
  const flags = rowFlags(rule, table, inputs);
  const b = batchParts(rule, flags, cursor);
  const sample = `${flags.ctx.params.add(sampleSize)}::int`;
  const keys = flags.pk.map((_, i) => `p${i}`);
  const text = `WITH ${b.ctes.join(',\n  ')}
  SELECT c.scanned, c.due_deleted AS deleted, c.due_anonymised AS anonymised, c.held, c.undated,
    ${b.firstKey} AS first_key,
    ${b.lastKey} AS last_key,
    (SELECT coalesce(json_agg(json_build_array(${keys.map((k) => `${k}::text`).join(', ')})), '[]'::json) FROM (
       SELECT ${keys.join(', ')} FROM (${b.flagged}) f WHERE NOT h AND (del OR anon)
        ORDER BY ${keys.join(', ')} LIMIT ${sample}) s) AS sample
  FROM batch c`;
  return { text, values: flags.ctx.params.values };
}

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
  return { text, values: flags.ctx.params.values };
}
