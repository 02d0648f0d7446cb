import type { Schemas } from '../../api/client';

export type LegalHold = Schemas['LegalHoldResponseDto'];
export type ErasureRequest = Schemas['ErasureRequestResponseDto'];

/** The holds placed on this subject by name (system and dataset holds concern everyone). */
export function holdsOnSubject(holds: readonly LegalHold[], subjectId: string): LegalHold[] {
  return holds.filter((h) => h.scope === 'subject' && h.subjectId === subjectId);
}

/** An erasure still moving: its page keeps asking for progress. */
export function erasureInProgress(requests: readonly ErasureRequest[]): boolean {
  return requests.some((r) => !['completed', 'failed', 'cancelled'].includes(r.status));
}

/** Rows deleted, anonymised and held by an erasure over every system: its proof in figures. */
export function erasureTotals(request: ErasureRequest): {
  deleted: number;
  anonymised: number;
  held: number;
} {
  return request.datasets.reduce(
    (sum, d) => ({
      deleted: sum.deleted + d.deleted,
      anonymised: sum.anonymised + d.anonymised,
      held: sum.held + d.held,
    }),
    { deleted: 0, anonymised: 0, held: 0 },
  );
}
