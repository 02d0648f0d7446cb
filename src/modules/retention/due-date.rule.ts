import { addDuration, IsoDuration, toMakeIntervalArgs } from '../../common/time/iso-duration';
import { BuildContext, memo, quoteIdentifier, subjectIn } from './executors/postgres/sql-builder';
import type { PurgeInputs, Withdrawals } from './purge-inputs.reader';
import type { FieldRule, PurposeKeep } from './retention-rule';

/**
 * When a row's field is due, in one place (docs/retention.md, "What is due"; ADRs 0032, 0034):
 * a purpose expires by time (`trigger column + duration < now()`, written with two thresholds),
 * at a consent withdrawal, or a duration after it; a field is due when every purpose keeping it
 * has expired. The purge SQL (executors/postgres/row-flags-sql.ts; mysql's through
 * fieldDueExpression) and the overdue view (retention.service.ts, through buildOverdueCount) take
 * the rule from here, as does the "due since" date and the "days overdue" figure.
 */

export type TimeKeep = PurposeKeep & { expiry: { kind: 'time' } };

/** Subjects whose withdrawal for this purpose happened by `now` (the purpose ends at once). */
export function withdrawnBy(withdrawals: Withdrawals, purposeCode: string, now: Date): string[] {
  return (withdrawals.get(purposeCode) ?? [])
    .filter((w) => w.withdrawnAt.getTime() <= now.getTime())
    .map((w) => w.subjectId);
}

/** Subjects whose withdrawal for this purpose is older than `duration` (`after_withdrawal`). */
export function maturedBy(
  withdrawals: Withdrawals,
  purposeCode: string,
  duration: IsoDuration,
  now: Date,
): string[] {
  return (withdrawals.get(purposeCode) ?? [])
    .filter((w) => addDuration(w.withdrawnAt, duration).getTime() < now.getTime())
    .map((w) => w.subjectId);
}

export function intervalOf(ctx: BuildContext, k: TimeKeep): string {
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
function timeDue(ctx: BuildContext, k: TimeKeep, column: string): string {
  const interval = intervalOf(ctx, k);
  const surely = `(SELECT now() - ${interval} - ${THRESHOLD_MARGIN})`;
  const maybe = `(SELECT now() - ${interval} + ${THRESHOLD_MARGIN})`;
  return `(${column} < ${surely} OR (${column} < ${maybe} AND ${column} + ${interval} < now()))`;
}

/**
 * What the rule needs of a SQL dialect. The decisions below are the same on every kind (mysql
 * too, executors/mysql/mysql-due-date.ts); only identifiers, subject lists and the calendar test
 * are written differently. The calls happen in the same order on every dialect, so a statement's
 * parameters are numbered alike.
 */
export interface DueSqlDialect<C extends { inputs: PurgeInputs }> {
  quoteIdentifier(identifier: string): string;
  /** `subject in (…)` memoised under `key`, or FALSE when there is no subject. */
  subjectIn(ctx: C, key: string, subjects: string[]): string;
  /** `column + duration < now` for a time-bound keep. */
  timeDue(ctx: C, k: TimeKeep, column: string): string;
}

const POSTGRES_DUE: DueSqlDialect<BuildContext> = { quoteIdentifier, subjectIn, timeDue };

function expiredExpression<C extends { inputs: PurgeInputs }>(
  k: PurposeKeep,
  ctx: C,
  sql: DueSqlDialect<C>,
): string {
  const e = k.expiry;
  switch (e.kind) {
    case 'now':
      return 'TRUE';
    case 'never':
      return 'FALSE';
    case 'on_withdrawal': {
      const withdrawn = withdrawnBy(ctx.inputs.withdrawals, k.purposeCode, ctx.inputs.now);
      return sql.subjectIn(ctx, `withdrawn:${k.purposeCode}`, withdrawn);
    }
    case 'after_withdrawal': {
      const matured = maturedBy(ctx.inputs.withdrawals, k.purposeCode, e.duration, ctx.inputs.now);
      return sql.subjectIn(ctx, `matured:${k.purposeCode}`, matured);
    }
    case 'time': {
      const column = `t.${sql.quoteIdentifier(e.column)}`;
      let byTime = `(${column} IS NOT NULL AND ${sql.timeDue(ctx, k as TimeKeep, column)})`;
      if (e.contacts !== 'none') {
        // A contact recorded in Finalité since (ADR 0051) keeps the clock running for the subject.
        const recent = ctx.inputs.recentContacts.get(k.purposeCode) ?? [];
        const kept = sql.subjectIn(ctx, `contact:${k.purposeCode}`, recent);
        if (kept !== 'FALSE') byTime = `(${byTime} AND NOT ${kept})`;
      }
      if (!e.endsOnWithdrawal) return byTime;
      const withdrawn = withdrawnBy(ctx.inputs.withdrawals, k.purposeCode, ctx.inputs.now);
      const byWithdrawal = sql.subjectIn(ctx, `withdrawn:${k.purposeCode}`, withdrawn);
      return byWithdrawal === 'FALSE' ? byTime : `(${byTime} OR ${byWithdrawal})`;
    }
  }
}

/** SQL truth value "this field is due for the row" (alias t), in the given dialect. */
export function fieldDueExpression<C extends { inputs: PurgeInputs }>(
  f: FieldRule,
  ctx: C,
  sql: DueSqlDialect<C>,
): string {
  // Only two states can make a field due: every bound purpose retired (due now), or active
  // purposes that have all expired. Anything else (unbound, drafts only) is never due; listed by
  // what may purge, so that a new state cannot fall through to an empty, always-true conjunction.
  if (f.state === 'no_active_purpose') return 'TRUE';
  if (f.state !== 'bound' || f.keeps.length === 0) return 'FALSE';
  const parts = f.keeps.map((k) => expiredExpression(k, ctx, sql));
  if (parts.includes('FALSE')) return 'FALSE';
  const meaningful = parts.filter((p) => p !== 'TRUE');
  return meaningful.length === 0 ? 'TRUE' : `(${meaningful.join(' AND ')})`;
}

/** SQL truth value "this field is due for the row" (alias t), for PostgreSQL. */
export function dueExpression(f: FieldRule, ctx: BuildContext): string {
  return fieldDueExpression(f, ctx, POSTGRES_DUE);
}

/**
 * The instant a row became due (the latest expiry of its fields' time-bound purposes, the earliest
 * such field), or NULL; `dues`: each field with its due test as built by dueExpression.
 */
export function dueSinceExpression(dues: { f: FieldRule; due: string }[], ctx: BuildContext): string {
  const since = dues
    .filter((d) => d.due !== 'FALSE')
    .map((d) => {
      const instants = d.f.keeps
        .filter((k): k is TimeKeep => k.expiry.kind === 'time')
        .map((k) => `t.${quoteIdentifier(k.expiry.column)} + ${intervalOf(ctx, k)}`);
      return instants.length ? `CASE WHEN ${d.due} THEN GREATEST(${instants.join(', ')}) END` : null;
    })
    .filter((s): s is string => s !== null);
  return since.length ? `LEAST(${since.join(', ')})` : 'NULL::timestamptz';
}

/** Whole days a row has been overdue since it became due (0 on its first day). */
export function overdueDays(dueSince: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - dueSince.getTime()) / 86_400_000));
}
