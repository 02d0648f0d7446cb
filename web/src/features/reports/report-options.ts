import { downloadUrl } from '../../components/download/download-url';

export const REPORT_KINDS = ['ropa', 'gaps', 'access', 'retention', 'integrity'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
export type ReportFormat = 'json' | 'csv' | 'pdf';
export type ReportLang = 'fr' | 'en';

/**
 * Formats each report is offered in: the service's SUPPORTED_FORMATS (src/modules/reports/
 * report.model.ts), which the OpenAPI document states only in words. A format not listed here is
 * not offered; the service would refuse it anyway (400 REPORT_FORMAT_UNSUPPORTED).
 */
export const DOWNLOAD_FORMATS: Record<ReportKind, readonly Exclude<ReportFormat, 'json'>[]> = {
  ropa: ['pdf', 'csv'],
  gaps: ['pdf'],
  access: ['csv'],
  retention: ['pdf', 'csv'],
  integrity: ['pdf'],
};

/** Reports that cover a period; the others describe the register or the chain as they are now. */
export const PERIOD_REPORTS: ReadonlySet<ReportKind> = new Set(['gaps', 'access', 'retention']);

export interface ReportChoice {
  kind: ReportKind;
  lang: ReportLang;
  /** YYYY-MM-DD or empty (the service's default: the 30 days up to now). */
  from: string;
  /** YYYY-MM-DD, inclusive of that whole day, or empty (now). */
  to: string;
}

/** The query of GET /reports/{kind}: the period only for reports that have one. */
export function reportQuery(choice: ReportChoice, format: ReportFormat) {
  const period = PERIOD_REPORTS.has(choice.kind);
  return {
    format,
    lang: choice.lang,
    ...(period && choice.from ? { from: choice.from } : {}),
    ...(period && choice.to ? { to: choice.to } : {}),
  };
}

export function reportDownloadUrl(choice: ReportChoice, format: ReportFormat): string {
  return downloadUrl(`/reports/${choice.kind}`, reportQuery(choice, format));
}

/** A period the service would refuse, said before asking: from after to. */
export function periodProblem(choice: ReportChoice): 'fromAfterTo' | null {
  if (!PERIOD_REPORTS.has(choice.kind) || !choice.from || !choice.to) return null;
  return choice.from > choice.to ? 'fromAfterTo' : null;
}
