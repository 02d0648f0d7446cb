/**
 * Dates as the console's language writes them, whatever the browser's own locale: the French
 * console in French, the English one in British English (its spelling; its readers are European
 * DPOs and auditors), so day first in both. One place, so that no screen falls back to the
 * browser's locale (a French console in an American browser wrote 12/6/2026, 5:31:37 AM).
 */
const DATE_LOCALES: Record<string, string> = { fr: 'fr-FR', en: 'en-GB' };

export function dateLocale(language: string): string {
  return DATE_LOCALES[language] ?? language;
}

/** An instant with its time, in the browser's time zone. */
export function formatDateTime(value: string | Date, language: string): string {
  return new Date(value).toLocaleString(dateLocale(language));
}

/** An instant's day, in the browser's time zone. */
export function formatDate(value: string | Date, language: string): string {
  return new Date(value).toLocaleDateString(dateLocale(language));
}

/**
 * A UTC day (`YYYY-MM-DD`) as the reader writes it: `short` (day and month, the chart's axis) or
 * in full (the table screen readers read). The day is a UTC day, so it is formatted in UTC.
 */
export function formatUtcDay(day: string, language: string, length: 'short' | 'full'): string {
  const options: Intl.DateTimeFormatOptions =
    length === 'short' ? { day: '2-digit', month: '2-digit' } : { dateStyle: 'long' };
  return new Intl.DateTimeFormat(dateLocale(language), { ...options, timeZone: 'UTC' }).format(
    new Date(`${day}T00:00:00Z`),
  );
}
