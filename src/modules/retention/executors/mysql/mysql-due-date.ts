import { approximateDays, IsoDuration } from '../../../../common/time/iso-duration';
import { maturedBy, withdrawnBy } from '../../due-date.rule';
import type { FieldRule, PurposeKeep } from '../../retention-rule';
import {
  integerLiteral,
  memo,
  MysqlBuildContext,
  quoteMysqlIdentifier,
  subjectIn,
} from './mysql-sql-builder';

/**
 * The due-date rule of due-date.rule.ts in MySQL's dialect: the same decisions (a field is due
 * when every purpose keeping it has expired; a purpose expires by time, at a consent withdrawal
 * or a duration after it), written for MySQL/MariaDB. `now` is the run's instant, bound as a
 * parameter (UTC, like every date of the session).
 */

type TimeKeep = PurposeKeep & { expiry: { kind: 'time' } };

/** `column + duration` in calendar arithmetic (DATE_ADD clamps month ends like PostgreSQL). */
function plusDuration(column: string, k: TimeKeep): string {
  return plusIsoDuration(column, k.expiry.duration);
}

/** `expression + d` as chained `+ INTERVAL n UNIT` (integers checked; the archive phase's end too). */
export function plusIsoDuration(column: string, d: IsoDuration): string {
  const parts: [number, string][] = [
    [d.years, 'YEAR'],
    [d.months, 'MONTH'],
    [d.weeks, 'WEEK'],
    [d.days, 'DAY'],
    [d.hours, 'HOUR'],
    [d.minutes, 'MINUTE'],
    [Math.floor(d.seconds), 'SECOND'],
  ];
  return parts
    .filter(([n]) => n !== 0)
    .reduce((expr, [n, unit]) => `(${expr} + INTERVAL ${integerLiteral(n)} ${unit})`, column);
}

const MARGIN_DAYS = 7;

/**
 * `column + duration < now`, exactly, and cheaply: two thresholds computed here (now − duration
 * ∓ 7 days, the same margin as PostgreSQL's; calendar arithmetic differs from the average by a
 * few days at most) make nearly every row a plain comparison, and only the rows in the band pay
 * the calendar arithmetic.
 */
function timeDue(ctx: MysqlBuildContext, k: TimeKeep, column: string): string {
  const thresholds = memo(ctx, `thresholds:${k.purposeCode}`, () => {
    const now = ctx.inputs.now.getTime();
    const back = approximateDays(k.expiry.duration) * 86_400_000;
    const surely = ctx.params.add(new Date(now - back - MARGIN_DAYS * 86_400_000));
    const maybe = ctx.params.add(new Date(now - back + MARGIN_DAYS * 86_400_000));
    return `${surely}|${maybe}`;
  });
  const [surely, maybe] = thresholds.split('|');
  const now = memo(ctx, 'now', () => ctx.params.add(ctx.inputs.now));
  return `(${column} < ${surely} OR (${column} < ${maybe} AND ${plusDuration(column, k)} < ${now}))`;
}

function expiredExpression(k: PurposeKeep, ctx: MysqlBuildContext): string {
  const e = k.expiry;
  switch (e.kind) {
    case 'now':
      return 'TRUE';
    case 'never':
      return 'FALSE';
    case 'on_withdrawal':
      return subjectIn(
        ctx,
        `withdrawn:${k.purposeCode}`,
        withdrawnBy(ctx.inputs.withdrawals, k.purposeCode, ctx.inputs.now),
      );
    case 'after_withdrawal':
      return subjectIn(
        ctx,
        `matured:${k.purposeCode}`,
        maturedBy(ctx.inputs.withdrawals, k.purposeCode, e.duration, ctx.inputs.now),
      );
    case 'time': {
      const column = `t.${quoteMysqlIdentifier(e.column)}`;
      let byTime = `(${column} IS NOT NULL AND ${timeDue(ctx, k as TimeKeep, column)})`;
      if (e.contacts !== 'none') {
        // A contact recorded in Finalité since (ADR 0051) keeps the clock running, as on PostgreSQL.
        const recent = ctx.inputs.recentContacts.get(k.purposeCode) ?? [];
        const kept = subjectIn(ctx, `contact:${k.purposeCode}`, recent);
        if (kept !== 'FALSE') byTime = `(${byTime} AND NOT ${kept})`;
      }
      if (!e.endsOnWithdrawal) return byTime;
      const withdrawn = withdrawnBy(ctx.inputs.withdrawals, k.purposeCode, ctx.inputs.now);
      const byWithdrawal = subjectIn(ctx, `withdrawn:${k.purposeCode}`, withdrawn);
      return byWithdrawal === 'FALSE' ? byTime : `(${byTime} OR ${byWithdrawal})`;
    }
  }
}

/** SQL truth value "this field is due for the row" (alias t); same states as dueExpression. */
export function mysqlDueExpression(f: FieldRule, ctx: MysqlBuildContext): string {
  if (f.state === 'no_active_purpose') return 'TRUE';
  if (f.state !== 'bound' || f.keeps.length === 0) return 'FALSE';
  const parts = f.keeps.map((k) => expiredExpression(k, ctx));
  if (parts.includes('FALSE')) return 'FALSE';
  const meaningful = parts.filter((p) => p !== 'TRUE');
  return meaningful.length === 0 ? 'TRUE' : `(${meaningful.join(' AND ')})`;
}

/** The instant a row became due (as dueSinceExpression), or NULL. */
export function mysqlDueSinceExpression(dues: { f: FieldRule; due: string }[]): string {
  const since = dues
    .filter((d) => d.due !== 'FALSE')
    .map((d) => {
      const instants = d.f.keeps
        .filter((k): k is TimeKeep => k.expiry.kind === 'time')
        .map((k) => plusDuration(`t.${quoteMysqlIdentifier(k.expiry.column)}`, k));
      if (!instants.length) return null;
      const latest = instants.length === 1 ? instants[0] : `GREATEST(${instants.join(', ')})`;
      return `CASE WHEN ${d.due} THEN ${latest} END`;
    })
    .filter((s): s is string => s !== null);
  if (!since.length) return 'NULL';
  if (since.length === 1) return since[0];
  // MySQL's LEAST is NULL when any argument is (PostgreSQL's ignores NULLs): a field not due
  // must not hide the one that is.
  const never = "CAST('9999-12-31' AS DATETIME)";
  return `NULLIF(LEAST(${since.map((s) => `COALESCE(${s}, ${never})`).join(', ')}), ${never})`;
}
