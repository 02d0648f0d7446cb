import type { HoldCoverage } from '../legal-holds/legal-holds.service';
import { holdInputs, holdsGrew, mergeExemptions, widenHolds } from './hold-inputs';

const coverage = (subjects: [string, string][] = [], whole: string[] = []): HoldCoverage => ({
  wholeDataset: whole.map((id) => ({ id, reason: `reason ${id}` })),
  subjects: new Map(subjects.map(([s, id]) => [s, { id, reason: `reason ${id}` }])),
});

describe('legal holds as purge inputs', () => {
  it('holds the subjects in scope, row by row, when the dataset has a subject column', () => {
    const h = holdInputs(
      coverage([
        ['s1', 'h1'],
        ['s2', 'h2'],
      ]),
      'customer_ref',
      ['s2', 's3'],
      true,
    );
    expect(h).toEqual({
      wholeDatasetHeld: false,
      heldSubjects: ['s2'],
      exemptions: [{ kind: 'legal_hold', reason: 'reason h2', holdId: 'h2' }],
    });
  });

  it('holds the whole dataset when a subject hold cannot be located (no subject column)', () => {
    const h = holdInputs(coverage([['s1', 'h1']]), null, null, true);
    expect(h.wholeDatasetHeld).toBe(true);
    expect(h.exemptions).toEqual([expect.objectContaining({ kind: 'subject_not_locatable', holdId: 'h1' })]);
    expect(h.exemptions[0].reason).toContain('no subject column');
    // Without subject holds, nothing is held.
    expect(holdInputs(coverage(), null, null, true).wholeDatasetHeld).toBe(false);
  });

  it('lists the held subjects to a webhook system or a person, who locate them themselves', () => {
    const h = holdInputs(coverage([['s1', 'h1']]), null, null, false);
    expect(h).toMatchObject({ wholeDatasetHeld: false, heldSubjects: ['s1'] });
    expect(h.exemptions).toEqual([{ kind: 'legal_hold', reason: 'reason h1', holdId: 'h1' }]);
  });

  it('tells a hold placed since the batch was built, and widens (never narrows) within a run', () => {
    const used = holdInputs(coverage([['s1', 'h1']]), 'ref', null, true);
    expect(holdsGrew(used, used)).toBe(false);
    expect(holdsGrew(used, holdInputs(coverage(), 'ref', null, true))).toBe(false); // lifted
    const subject = holdInputs(
      coverage([
        ['s1', 'h1'],
        ['s2', 'h2'],
      ]),
      'ref',
      null,
      true,
    );
    const dataset = holdInputs(coverage([['s1', 'h1']], ['h3']), 'ref', null, true);
    expect(holdsGrew(used, subject)).toBe(true);
    expect(holdsGrew(used, dataset)).toBe(true);
    expect(widenHolds(used, holdInputs(coverage([['s2', 'h2']]), 'ref', null, true))).toMatchObject({
      wholeDatasetHeld: false,
      heldSubjects: ['s1', 's2'],
    });
    expect(widenHolds(dataset, used).wholeDatasetHeld).toBe(true);
    expect(mergeExemptions(used.exemptions, subject.exemptions).map((e) => e.holdId)).toEqual(['h1', 'h2']);
  });
});
