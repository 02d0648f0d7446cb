import { describe, expect, it } from 'vitest';
import en from '../../i18n/en/decisions.json';
import fr from '../../i18n/fr/decisions.json';
import {
  ACCESS_REASONS,
  EMPTY_SEARCH,
  reasonLabelKey,
  refusedFields,
  toDecisionQuery,
  type DecisionRecord,
} from './decision-query';

describe('decision search query', () => {
  it('leaves blank filters out', () => {
    expect(toDecisionQuery(EMPTY_SEARCH)).toEqual({});
    expect(toDecisionQuery({ ...EMPTY_SEARCH, purpose: '  ', field: '' })).toEqual({});
  });

  it('trims codes, keeps the subject id as typed and turns local times into instants', () => {
    const query = toDecisionQuery({
      ...EMPTY_SEARCH,
      application: ' 4c2e8f1a-9b3d-4e6f-a7c8-1d2e3f4a5b6c ',
      purpose: 'marketing.newsletter ',
      reason: 'CONSENT_WITHDRAWN',
      decision: 'deny',
      subjectId: ' cust 1',
      from: '2026-03-01T10:00',
    });
    expect(query).toEqual({
      application: '4c2e8f1a-9b3d-4e6f-a7c8-1d2e3f4a5b6c',
      purpose: 'marketing.newsletter',
      reason: 'CONSENT_WITHDRAWN',
      decision: 'deny',
      subjectId: ' cust 1',
      from: new Date('2026-03-01T10:00').toISOString(),
    });
  });

  it('drops a date it cannot read rather than sending it', () => {
    expect(toDecisionQuery({ ...EMPTY_SEARCH, to: 'yesterday' })).toEqual({});
  });

  it('lists the refused fields with their reasons', () => {
    const decision = {
      fields: [
        { field: 'crm.customers.email', allowed: true, reason: 'ALLOWED' },
        { field: 'crm.customers.postcode', allowed: false, reason: 'CONSENT_WITHDRAWN' },
      ],
    } as DecisionRecord;
    expect(refusedFields(decision)).toEqual([
      { field: 'crm.customers.postcode', reason: 'CONSENT_WITHDRAWN' },
    ]);
  });

  it('has a French and an English label for every reason, archive phase included', () => {
    expect(ACCESS_REASONS).toEqual(
      expect.arrayContaining(['ARCHIVED', 'NOT_ARCHIVED', 'ARCHIVE_SUBJECT_REQUIRED']),
    );
    for (const labels of [en.decisions.reasons, fr.decisions.reasons]) {
      expect(Object.keys(labels).sort()).toEqual([...ACCESS_REASONS].sort());
      for (const reason of ACCESS_REASONS) expect(labels[reason].trim()).not.toBe('');
    }
  });

  it('names the label of a known reason only', () => {
    expect(reasonLabelKey('CONSENT_WITHDRAWN')).toBe('decisions.reasons.CONSENT_WITHDRAWN');
    expect(reasonLabelKey('SOMETHING_NEW')).toBeNull();
    expect(reasonLabelKey('toString')).toBeNull();
  });
});
