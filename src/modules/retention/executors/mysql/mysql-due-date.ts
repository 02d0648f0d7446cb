import { approximateDays, IsoDuration } from '../../../../common/time/iso-duration';
import { DueSqlDialect, fieldDueExpression, TimeKeep } from '../../due-date.rule';
import type { FieldRule } from '../../retention-rule';
import {
  integerLiteral,
  memo,
  MysqlBuildContext,
  quoteMysqlIdentifier,
  subjectIn,
} from './mysql-sql-builder';

/**
 * The due-date rule of due-date.rule.ts in MySQL's dialect: its decisions (a field is due when
 * every purpose keeping it has expired; a purpose expires by time, at a consent withdrawal or a
 * duration after it) are taken there, and written here for MySQL/MariaDB. `now` is the run's
 * instant, bound as a parameter (UTC, like every date of the session).
 */

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

const MYSQL_DUE: DueSqlDialect<MysqlBuildContext> = {
  quoteIdentifier: quoteMysqlIdentifier,
  subjectIn,
  timeDue,
};

/** SQL truth value "this field is due for the row" (alias t); the rule of fieldDueExpression. */
export function mysqlDueExpression(f: FieldRule, ctx: MysqlBuildContext): string {
  return fieldDueExpression(f, ctx, MYSQL_DUE);
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
