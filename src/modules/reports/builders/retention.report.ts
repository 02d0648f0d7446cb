import type { Readable } from 'node:stream';
import { csvDocumentStream } from '../render/csv-render';
import { jsonDocumentStream, JsonItemStream } from '../render/json-render';
import type { OverdueRow, RetentionSource, RetentionVolumeRow } from '../report-sources';
import { ReportFormat } from '../report.model';
import { PreparedReport, ReportContext, reportMeta, startPdf, streamPdf } from './report-context';

export interface RetentionReportRow extends RetentionVolumeRow {
  overdue: number;
}

/** Joins the period's volumes with today's overdue rows, per system × dataset. */
export function retentionRows(volumes: RetentionVolumeRow[], overdue: OverdueRow[]): RetentionReportRow[] {
  const rows = new Map<string, RetentionReportRow>();
  const key = (s: string, d: string) => JSON.stringify([s, d]);
  for (const v of volumes) {
    const k = key(v.systemKey, v.datasetKey);
    const r = rows.get(k) ?? { ...v, deleted: 0, anonymised: 0, held: 0, failures: 0, overdue: 0 };
    r.deleted += v.deleted;
    r.anonymised += v.anonymised;
    r.held += v.held;
    r.failures += v.failures;
    rows.set(k, r);
  }
  for (const o of overdue) {
    const k = key(o.systemKey, o.datasetKey);
    const r = rows.get(k) ?? {
      systemKey: o.systemKey,
      datasetKey: o.datasetKey,
      deleted: 0,
      anonymised: 0,
      held: 0,
      failures: 0,
      overdue: 0,
    };
    r.overdue += o.count;
    rows.set(k, r);
  }
  return [...rows.values()].sort(
    (a, b) => a.systemKey.localeCompare(b.systemKey) || a.datasetKey.localeCompare(b.datasetKey),
  );
}

export async function prepareRetention(
  ctx: ReportContext,
  retention: RetentionSource,
): Promise<PreparedReport> {
  const period = ctx.period!;
  const summary = await retention.summarise(period.from, period.to);
  const overdue = await retention.overdue();
  const rows = retentionRows(summary.rows, overdue);
  const totals = rows.reduce(
    (t, r) => ({
      deleted: t.deleted + r.deleted,
      anonymised: t.anonymised + r.anonymised,
      held: t.held + r.held,
      failures: t.failures + r.failures,
      overdue: t.overdue + r.overdue,
    }),
    { deleted: 0, anonymised: 0, held: 0, failures: 0, overdue: 0 },
  );
  const l = ctx.labels;
  const header = [
    l.t('system'),
    l.t('dataset'),
    l.t('deleted'),
    l.t('anonymised'),
    l.t('held'),
    l.t('failures'),
    l.t('overdue'),
  ];
  const cells = (r: RetentionReportRow) => [
    r.systemKey,
    r.datasetKey,
    r.deleted,
    r.anonymised,
    r.held,
    r.failures,
    r.overdue,
  ];
  return {
    render: (format: ReportFormat): Readable => {
      if (format === ReportFormat.Csv) return csvDocumentStream(header, rows.map(cells), ctx.delimiter);
      if (format === ReportFormat.Pdf) {
        const pdf = startPdf(ctx);
        pdf.tableOfContents([
          { id: 'summary', title: l.t('summary') },
          { id: 'volumes', title: `${l.t('system')} × ${l.t('dataset')}` },
          { id: 'failures', title: l.t('failures') },
        ]);
        return streamPdf(pdf, async (w) => {
          w.section('summary', l.t('summary'));
          w.fact(l.t('runs'), String(summary.runs));
          w.fact(l.t('failedRuns'), String(summary.failedRuns));
          for (const k of ['deleted', 'anonymised', 'held', 'failures', 'overdue'] as const) {
            w.fact(l.t(k), String(totals[k]));
          }
          w.section('volumes', `${l.t('system')} × ${l.t('dataset')}`);
          const widths = [110, 110, 55, 60, 50, 50, 60];
          w.tableRow(header, widths, true);
          for (const r of rows) {
            w.tableRow(cells(r).map(String), widths);
            await w.drain();
          }
          w.section('failures', l.t('failures'));
          w.bullets(
            summary.failures.map(
              (f) => `${f.runId} ${[f.systemKey, f.datasetKey].filter(Boolean).join('/')}: ${f.message}`,
            ),
          );
        });
      }
      return jsonDocumentStream([
        ...Object.entries(reportMeta(ctx)),
        ['runs', summary.runs],
        ['failedRuns', summary.failedRuns],
        ['totals', totals],
        ['rows', new JsonItemStream(rows)],
        ['failures', summary.failures],
        ['overdue', { total: totals.overdue, rows: overdue }],
      ]);
    },
  };
}
