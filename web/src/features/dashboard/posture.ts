import type { Schemas } from '../../api/client';

export type DailyDecisions = Schemas['PostureDailyDecisionsDto'];
export type OverdueDataset = Schemas['OverdueDatasetDto'];
export type GapObject = Schemas['GapObjectDto'];

/** The chart's input: one category per UTC day of the period, one series per outcome. */
export interface DecisionSeries {
  days: string[];
  series: { outcome: string; counts: number[] }[];
}

/** Outcomes in a stable order (allow first, deny next, any other after), so colours never swap. */
const OUTCOME_ORDER = ['allow', 'deny'];

function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * Spreads the per-day counts (days without decisions are absent from the API) over every day of
 * [from, to), zero-filled, one series per outcome met.
 */
export function decisionSeries(perDay: readonly DailyDecisions[], from: string, to: string): DecisionSeries {
  const days: string[] = [];
  const end = new Date(to);
  for (let d = new Date(`${utcDay(new Date(from))}T00:00:00Z`); d < end; d.setUTCDate(d.getUTCDate() + 1)) {
    days.push(utcDay(d));
  }
  const index = new Map(days.map((d, i) => [d, i]));
  const outcomes = [...new Set(perDay.map((r) => r.outcome))].sort(
    (a, b) =>
      (OUTCOME_ORDER.indexOf(a) + 1 || 99) - (OUTCOME_ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b),
  );
  const series = outcomes.map((outcome) => ({ outcome, counts: days.map(() => 0) }));
  for (const row of perDay) {
    const i = index.get(row.day);
    if (i === undefined) continue;
    series.find((s) => s.outcome === row.outcome)!.counts[i] += row.count;
  }
  return { days, series };
}

/** Overdue data per system: rows due, datasets, and the longest overdue, most urgent first. */
export interface SystemOverdue {
  system: string;
  dueRows: number;
  datasets: number;
  maxOverdueDays: number | null;
  /** Datasets whose volume Finalité cannot measure (webhook, manual, unreachable). */
  unmeasured: number;
}

export function overdueBySystem(items: readonly OverdueDataset[]): SystemOverdue[] {
  const bySystem = new Map<string, SystemOverdue>();
  for (const d of items) {
    const s = bySystem.get(d.system) ?? {
      system: d.system,
      dueRows: 0,
      datasets: 0,
      maxOverdueDays: null,
      unmeasured: 0,
    };
    if (!d.measurable || d.dueRows === null) s.unmeasured += 1;
    else if (d.dueRows > 0) {
      s.dueRows += d.dueRows;
      s.datasets += 1;
      if (d.overdueDays !== null) s.maxOverdueDays = Math.max(s.maxOverdueDays ?? 0, d.overdueDays);
    }
    bySystem.set(d.system, s);
  }
  return [...bySystem.values()]
    .filter((s) => s.dueRows > 0 || s.unmeasured > 0)
    .sort((a, b) => b.dueRows - a.dueRows || a.system.localeCompare(b.system));
}

export function totalOverdue(items: readonly OverdueDataset[]): number {
  return items.reduce((sum, d) => sum + (d.measurable && d.dueRows ? d.dueRows : 0), 0);
}

/** Where in the console a gap is fixed: the register for purposes, the inventory for data. */
export function gapFixRoute(object: GapObject): string {
  switch (object.type) {
    case 'purpose':
      return '/register';
    case 'organisation':
      return '/organisation';
    default:
      return '/inventory';
  }
}

/** An age in the largest whole unit, for "signed 3 hours ago". */
export function ageParts(seconds: number): { value: number; unit: 'seconds' | 'minutes' | 'hours' | 'days' } {
  if (seconds < 60) return { value: Math.max(0, Math.floor(seconds)), unit: 'seconds' };
  if (seconds < 3600) return { value: Math.floor(seconds / 60), unit: 'minutes' };
  if (seconds < 86_400) return { value: Math.floor(seconds / 3600), unit: 'hours' };
  return { value: Math.floor(seconds / 86_400), unit: 'days' };
}

/** A checkpoint older than this is flagged (the service signs one every 5 minutes by default). */
export const STALE_CHECKPOINT_SECONDS = 24 * 3600;
