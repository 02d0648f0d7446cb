import { describe, expect, it } from 'vitest';
import {
  erasureInProgress,
  erasureTotals,
  holdsOnSubject,
  type ErasureRequest,
  type LegalHold,
} from './subject-view';

describe('subject view', () => {
  it('keeps the holds placed on this subject only', () => {
    const holds = [
      { id: '1', scope: 'subject', subjectId: 'cust-1' },
      { id: '2', scope: 'subject', subjectId: 'cust-10' },
      { id: '3', scope: 'system', subjectId: null, systemCode: 'crm' },
    ] as LegalHold[];
    expect(holdsOnSubject(holds, 'cust-1').map((h) => h.id)).toEqual(['1']);
  });

  it('says whether an erasure is still moving', () => {
    const request = (status: ErasureRequest['status']) => ({ status }) as ErasureRequest;
    expect(erasureInProgress([request('completed'), request('running')])).toBe(true);
    expect(erasureInProgress([request('completed'), request('failed')])).toBe(false);
    expect(erasureInProgress([])).toBe(false);
  });

  it('adds up an erasure over every system', () => {
    const request = {
      datasets: [
        { deleted: 1, anonymised: 0, held: 0 },
        { deleted: 2, anonymised: 3, held: 1 },
      ],
    } as ErasureRequest;
    expect(erasureTotals(request)).toEqual({ deleted: 3, anonymised: 3, held: 1 });
  });
});
