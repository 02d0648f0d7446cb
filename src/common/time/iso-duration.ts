/**
 * ISO-8601 durations as used for retention periods: PnYnMnWnDTnHnMnS with whole numbers
 * (fractions are refused: "P1.5Y" is ambiguous for a legal retention period).
 * Calendar arithmetic follows PostgreSQL's interval rules (months then days then time),
 * so that durations computed here and in SQL (make_interval) agree.
 */
export interface IsoDuration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const PATTERN =
  /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Upper bound on any single component: retention beyond 200 years is a typo, not a policy. */
const MAX_YEARS = 200;

export class InvalidDurationError extends Error {}

export function parseIsoDuration(text: string): IsoDuration {
  if (typeof text !== 'string' || text.length > 64) {
    throw new InvalidDurationError('must be an ISO-8601 duration such as "P3Y", "P13M" or "P30D"');
  }
  const m = PATTERN.exec(text);
  if (!m) {
    throw new InvalidDurationError(
      `"${text}" is not an ISO-8601 duration with whole numbers (examples: "P3Y", "P13M", "P1Y6M", "P30D", "PT12H")`,
    );
  }
  const n = (i: number) => (m[i] === undefined ? 0 : Number(m[i]));
  const d: IsoDuration = {
    years: n(1),
    months: n(2),
    weeks: n(3),
    days: n(4),
    hours: n(5),
    minutes: n(6),
    seconds: n(7),
  };
  if (approximateDays(d) === 0) throw new InvalidDurationError(`"${text}" is a zero duration`);
  if (approximateDays(d) > MAX_YEARS * 366)
    throw new InvalidDurationError(`"${text}" is longer than ${MAX_YEARS} years`);
  return d;
}

export function isValidIsoDuration(text: unknown): boolean {
  try {
    parseIsoDuration(text as string);
    return true;
  } catch {
    return false;
  }
}

/** Adds a duration to a date (UTC calendar, PostgreSQL semantics: end-of-month clamps). */
export function addDuration(from: Date, d: IsoDuration): Date {
  const result = new Date(from.getTime());
  const totalMonths = d.years * 12 + d.months;
  if (totalMonths) {
    const day = result.getUTCDate();
    result.setUTCDate(1);
    result.setUTCMonth(result.getUTCMonth() + totalMonths);
    const lastDay = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
    result.setUTCDate(Math.min(day, lastDay));
  }
  result.setUTCDate(result.getUTCDate() + d.weeks * 7 + d.days);
  result.setTime(result.getTime() + ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000);
  return result;
}

/** Length in days using average month/year lengths: for ordering durations, never for dates. */
export function approximateDays(d: IsoDuration): number {
  return (
    d.years * 365.2425 +
    d.months * 30.436875 +
    d.weeks * 7 +
    d.days +
    d.hours / 24 +
    d.minutes / 1440 +
    d.seconds / 86400
  );
}

/** Compares two ISO-8601 duration strings by length (negative: a shorter than b). */
export function compareIsoDurations(a: string, b: string): number {
  return approximateDays(parseIsoDuration(a)) - approximateDays(parseIsoDuration(b));
}

/** Parameters for PostgreSQL make_interval(years, months, weeks, days, hours, mins, secs). */
export function toMakeIntervalArgs(d: IsoDuration): [number, number, number, number, number, number, number] {
  return [d.years, d.months, d.weeks, d.days, d.hours, d.minutes, d.seconds];
}

/** Plain English rendering for reports ("3 years", "1 year and 6 months"). */
export function describeDuration(d: IsoDuration, lang: 'en' | 'fr' = 'en'): string {
  const units: [number, string, string, string, string][] = [
    [d.years, 'year', 'years', 'an', 'ans'],
    [d.months, 'month', 'months', 'mois', 'mois'],
    [d.weeks, 'week', 'weeks', 'semaine', 'semaines'],
    [d.days, 'day', 'days', 'jour', 'jours'],
    [d.hours, 'hour', 'hours', 'heure', 'heures'],
    [d.minutes, 'minute', 'minutes', 'minute', 'minutes'],
    [d.seconds, 'second', 'seconds', 'seconde', 'secondes'],
  ];
  const parts = units
    .filter(([n]) => n > 0)
    .map(([n, en1, enN, fr1, frN]) => `${n} ${lang === 'fr' ? (n === 1 ? fr1 : frN) : n === 1 ? en1 : enN}`);
  const and = lang === 'fr' ? ' et ' : ' and ';
  return parts.length <= 1
    ? (parts[0] ?? '')
    : `${parts.slice(0, -1).join(', ')}${and}${parts[parts.length - 1]}`;
}
