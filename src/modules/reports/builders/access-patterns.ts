import type { AccessCountRow } from '../report-sources';

/** Outcomes counted as denials (the access module's wording, plus common synonyms). */
const DENIAL_OUTCOMES = new Set(['deny', 'denied', 'refused', 'refuse']);

export function isDenial(outcome: string): boolean {
  return DENIAL_OUTCOMES.has(outcome.toLowerCase());
}

/** A spike needs at least this many denials in the period: a handful is noise, not a pattern. */
export const SPIKE_MIN_DENIALS = 10;
/** …and at least this many times the previous period's denials (an empty previous period counts as 1). */
export const SPIKE_FACTOR = 3;

export interface DenialSpike {
  applicationId: string;
  application: string;
  denials: number;
  previousDenials: number;
  /** denials / previousDenials; null when the previous period had none. */
  ratio: number | null;
  purposes: string[];
}

interface ApplicationDenials {
  name: string;
  count: number;
  purposes: Set<string>;
}

function denialsByApplication(rows: AccessCountRow[]): Map<string, ApplicationDenials> {
  const out = new Map<string, ApplicationDenials>();
  for (const row of rows) {
    if (!isDenial(row.outcome) || row.count <= 0) continue;
    const entry = out.get(row.applicationId) ?? {
      name: row.application,
      count: 0,
      purposes: new Set<string>(),
    };
    entry.count += row.count;
    entry.purposes.add(row.purposeCode);
    out.set(row.applicationId, entry);
  }
  return out;
}

/**
 * Unusual pattern: an application's denials over the period compared with the period of the
 * same length just before it. Flagged when denials ≥ SPIKE_MIN_DENIALS and
 * denials ≥ SPIKE_FACTOR × max(previous, 1). Sorted by denials, largest first.
 */
export function detectDenialSpikes(current: AccessCountRow[], previous: AccessCountRow[]): DenialSpike[] {
  const now = denialsByApplication(current);
  const before = denialsByApplication(previous);
  const spikes: DenialSpike[] = [];
  for (const [applicationId, { name, count, purposes }] of now) {
    const prev = before.get(applicationId)?.count ?? 0;
    if (count >= SPIKE_MIN_DENIALS && count >= SPIKE_FACTOR * Math.max(prev, 1)) {
      spikes.push({
        applicationId,
        application: name,
        denials: count,
        previousDenials: prev,
        ratio: prev > 0 ? Math.round((count / prev) * 100) / 100 : null,
        purposes: [...purposes].sort(),
      });
    }
  }
  return spikes.sort((a, b) => b.denials - a.denials || a.application.localeCompare(b.application));
}
