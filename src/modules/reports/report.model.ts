/** Vocabulary of the compliance reports: kinds, formats, languages and the reporting period. */

export enum ReportKind {
  Ropa = 'ropa',
  Gaps = 'gaps',
  Access = 'access',
  Retention = 'retention',
  Integrity = 'integrity',
}

export enum ReportFormat {
  Json = 'json',
  Csv = 'csv',
  Pdf = 'pdf',
  Xlsx = 'xlsx',
}

/** PDF layout of the record of processing: ours, or the CNIL model's (one fiche per activity). */
export type RopaLayout = 'standard' | 'cnil';
export const ROPA_LAYOUTS: readonly RopaLayout[] = ['standard', 'cnil'];

export type ReportLang = 'en' | 'fr';
export const REPORT_LANGS: readonly ReportLang[] = ['en', 'fr'];

export type CsvSeparator = 'comma' | 'semicolon';

/** Formats each report is offered in (the list); anything else is a 400 naming these. */
export const SUPPORTED_FORMATS: Record<ReportKind, readonly ReportFormat[]> = {
  [ReportKind.Ropa]: [ReportFormat.Json, ReportFormat.Csv, ReportFormat.Pdf, ReportFormat.Xlsx],
  [ReportKind.Gaps]: [ReportFormat.Json, ReportFormat.Pdf],
  [ReportKind.Access]: [ReportFormat.Json, ReportFormat.Csv],
  [ReportKind.Retention]: [ReportFormat.Json, ReportFormat.Csv, ReportFormat.Pdf],
  [ReportKind.Integrity]: [ReportFormat.Json, ReportFormat.Pdf],
};

export const CONTENT_TYPES: Record<ReportFormat, string> = {
  [ReportFormat.Json]: 'application/json; charset=utf-8',
  [ReportFormat.Csv]: 'text/csv; charset=utf-8',
  [ReportFormat.Pdf]: 'application/pdf',
  [ReportFormat.Xlsx]: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Reporting period, half-open: [from, to). */
export interface ReportPeriod {
  from: Date;
  to: Date;
}

/** Period used when the caller gives no `from`: the 30 days before `to`. */
export const DEFAULT_PERIOD_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export type PeriodProblem = { property: 'from' | 'to' | 'period'; message: string };

/**
 * Resolves `from`/`to` query values. A date-only `to` includes that whole day (an auditor asking
 * "to=2026-03-31" means the end of March), so it becomes the next midnight UTC.
 */
export function resolvePeriod(
  from: string | undefined,
  to: string | undefined,
  now: Date,
): ReportPeriod | PeriodProblem {
  const end = to === undefined ? now : parseBound(to, 'to');
  if (!end) return { property: 'to', message: `to "${to}" is not an ISO-8601 date or date-time` };
  const start =
    from === undefined ? new Date(end.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS) : parseBound(from, 'from');
  if (!start) return { property: 'from', message: `from "${from}" is not an ISO-8601 date or date-time` };
  if (start.getTime() > end.getTime()) {
    return {
      property: 'period',
      message: `from (${start.toISOString()}) is after to (${end.toISOString()})`,
    };
  }
  return { from: start, to: end };
}

export function isPeriodProblem(p: ReportPeriod | PeriodProblem): p is PeriodProblem {
  return 'message' in p;
}

function parseBound(text: string, bound: 'from' | 'to'): Date | undefined {
  if (DATE_ONLY.test(text)) {
    const day = new Date(`${text}T00:00:00.000Z`);
    if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== text) return undefined;
    return bound === 'to' ? new Date(day.getTime() + DAY_MS) : day;
  }
  const instant = new Date(text);
  return Number.isNaN(instant.getTime()) ? undefined : instant;
}

/** CSV separator: explicit `sep`, else `;` for French (Excel in a French locale splits on `;`). */
export function csvDelimiter(sep: CsvSeparator | undefined, lang: ReportLang): ';' | ',' {
  if (sep) return sep === 'semicolon' ? ';' : ',';
  return lang === 'fr' ? ';' : ',';
}

/** `finalite-ropa-2026-11-23.pdf`: report and generation date, safe in any file system. */
export function reportFilename(kind: ReportKind, format: ReportFormat, generatedAt: Date): string {
  return `finalite-${kind}-${generatedAt.toISOString().slice(0, 10)}.${format}`;
}
