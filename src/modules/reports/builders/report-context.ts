import type { Readable } from 'node:stream';
import type { Labels, LabelKey } from '../render/labels';
import { PdfReportWriter } from '../render/pdf-render';
import type { ChainHeadView } from '../report-sources';
import type { ReportFormat, ReportKind, ReportLang, ReportPeriod } from '../report.model';

/** Everything a report needs to know about the request that asked for it. */
export interface ReportContext {
  kind: ReportKind;
  format: ReportFormat;
  lang: ReportLang;
  labels: Labels;
  /** The reporting period, for reports over time (gaps, access, retention); null otherwise. */
  period: ReportPeriod | null;
  generatedAt: Date;
  delimiter: ';' | ',';
  /** Head of the audit chain when the report was generated (null: empty trail or no audit source). */
  chainHead: ChainHeadView | null;
}

/** A report whose data has been gathered; rendering streams it in the requested format. */
export interface PreparedReport {
  render(format: ReportFormat): Readable;
}

/** The header every JSON report starts with. */
export function reportMeta(ctx: ReportContext): Record<string, unknown> {
  return {
    report: ctx.kind,
    title: ctx.labels.t(`${ctx.kind}.title` as LabelKey),
    generatedAt: ctx.generatedAt.toISOString(),
    lang: ctx.lang,
    period: ctx.period ? { from: ctx.period.from.toISOString(), to: ctx.period.to.toISOString() } : null,
    auditChainHead: ctx.chainHead,
  };
}

export function chainHeadText(ctx: ReportContext): string {
  if (!ctx.chainHead) return ctx.labels.t('chainHeadNone');
  const head = `#${ctx.chainHead.seq} ${ctx.chainHead.hash}`;
  return ctx.chainHead.verified ? head : `${head} (${ctx.labels.t('chainHeadUnverified')})`;
}

/** A PDF writer with the cover every report shares: title, generation date, period, chain head. */
export function startPdf(ctx: ReportContext, extraFacts: [string, string][] = []): PdfReportWriter {
  const l = ctx.labels;
  const title = l.t(`${ctx.kind}.title` as LabelKey);
  const pdf = new PdfReportWriter(l, title, ctx.generatedAt);
  const facts: [string, string][] = [[l.t('generatedAt'), l.date(ctx.generatedAt)]];
  if (ctx.period) facts.push([l.t('period'), `${l.date(ctx.period.from)} – ${l.date(ctx.period.to)}`]);
  facts.push([l.t('chainHead'), chainHeadText(ctx)], ...extraFacts);
  pdf.cover({ title, subtitle: l.t(`${ctx.kind}.subtitle` as LabelKey), facts });
  return pdf;
}

/** Runs an async PDF writer; a failure part-way destroys the stream so the download is cut, not truncated silently. */
export function streamPdf(pdf: PdfReportWriter, write: (pdf: PdfReportWriter) => Promise<void>): Readable {
  write(pdf).then(
    () => pdf.end(),
    (err: Error) => pdf.doc.destroy(err),
  );
  return pdf.stream;
}

export function joinOr(values: (string | null | undefined)[] | null | undefined, empty = '—'): string {
  const present = (values ?? []).filter((v): v is string => !!v);
  return present.length ? present.join(', ') : empty;
}
