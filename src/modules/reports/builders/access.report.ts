import type { Readable } from 'node:stream';
import { csvDocumentStream } from '../render/csv-render';
import { jsonDocumentStream, JsonItemStream } from '../render/json-render';
import type { AccessCountRow, AccessSource } from '../report-sources';
import { ReportFormat } from '../report.model';
import { detectDenialSpikes } from './access-patterns';
import { PreparedReport, ReportContext, reportMeta } from './report-context';

/**
 * Decisions over the period, counted in the database by application × purpose × outcome (the
 * access module aggregates; 1 M decisions never reach this process), plus the same counts for
 * the previous period of equal length to spot denial spikes.
 */
export async function prepareAccess(ctx: ReportContext, access: AccessSource): Promise<PreparedReport> {
  const period = ctx.period!;
  const length = period.to.getTime() - period.from.getTime();
  const current = await access.summarise(period.from, period.to);
  const previous = await access.summarise(new Date(period.from.getTime() - length), period.from);
  const rows = sortRows(current.rows);
  const { total, byOutcome } = totalsOf(rows);
  // Reaching the intermediate archive is not a normal use: counted apart (also included in rows).
  const archiveRows = sortRows(current.archiveRows ?? []);
  const archive = totalsOf(archiveRows);
  const spikes = detectDenialSpikes(current.rows, previous.rows);
  return {
    render: (format: ReportFormat): Readable => {
      if (format === ReportFormat.Csv) {
        const l = ctx.labels;
        return csvDocumentStream(
          [l.t('applicationId'), l.t('application'), l.t('purpose'), l.t('outcome'), l.t('count')],
          rows.map((r) => [r.applicationId, r.application, r.purposeCode, r.outcome, r.count]),
          ctx.delimiter,
        );
      }
      return jsonDocumentStream([
        ...Object.entries(reportMeta(ctx)),
        ['totals', { decisions: total, byOutcome }],
        ['archiveAccesses', { decisions: archive.total, byOutcome: archive.byOutcome, rows: archiveRows }],
        [
          'previousPeriod',
          { from: new Date(period.from.getTime() - length).toISOString(), to: period.from.toISOString() },
        ],
        ['rows', new JsonItemStream(rows)],
        ['topDenialReasons', current.topDenialReasons],
        ['unusualPatterns', spikes],
      ]);
    },
  };
}

function sortRows(rows: AccessCountRow[]): AccessCountRow[] {
  return [...rows].sort(
    (a, b) =>
      a.application.localeCompare(b.application) ||
      a.applicationId.localeCompare(b.applicationId) ||
      a.purposeCode.localeCompare(b.purposeCode) ||
      a.outcome.localeCompare(b.outcome),
  );
}

function totalsOf(rows: AccessCountRow[]): { total: number; byOutcome: Record<string, number> } {
  const byOutcome: Record<string, number> = {};
  let total = 0;
  for (const r of rows) {
    byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + r.count;
    total += r.count;
  }
  return { total, byOutcome };
}
