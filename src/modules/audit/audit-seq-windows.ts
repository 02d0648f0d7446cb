import type { AuditEventRow } from './audit-event.mapper';

/** Widest seq window one query may cover while searching for sparse (filtered) rows. */
const MAX_WINDOW = 100_000;

/**
 * Reads rows with seq in [from, to], in order, at most `batch` per query. Each query is bounded
 * to a seq window (lo..hi) as well as LIMITed: with stale statistics (after a bulk load) the
 * planner otherwise sorts every remaining row for each batch, which turns a walk over millions
 * of events quadratic. The window widens while it finds few rows (sparse filters).
 */
export async function* readBySeqWindows(
  query: (lo: number, hi: number, limit: number) => Promise<AuditEventRow[]>,
  from: number,
  to: number,
  batch: number,
): AsyncGenerator<AuditEventRow[]> {
  let lo = from;
  let width = batch;
  while (lo <= to) {
    const hi = Math.min(to, lo + width - 1);
    const rows = await query(lo, hi, batch);
    if (rows.length > 0) yield rows;
    if (rows.length === batch) {
      lo = Number(rows[rows.length - 1].seq) + 1;
    } else {
      lo = hi + 1;
      width = Math.min(width * 2, MAX_WINDOW);
    }
  }
}
