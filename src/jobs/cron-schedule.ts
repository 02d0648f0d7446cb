import { CronExpressionParser } from 'cron-parser';

/** True for a 5- or 6-field cron expression cron-parser accepts. */
export function isValidCron(expression: string): boolean {
  try {
    nextCronOccurrence(expression, new Date());
    return true;
  } catch {
    return false;
  }
}

/** The first occurrence strictly after `after` (UTC). */
export function nextCronOccurrence(expression: string, after: Date): Date {
  const fields = expression.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) throw new Error(`"${expression}" is not a cron expression`);
  return CronExpressionParser.parse(expression, { currentDate: after, tz: 'UTC' }).next().toDate();
}
