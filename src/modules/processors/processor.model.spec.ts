import {
  agreementReviewOverdue,
  checkProcessor,
  processorTransfers,
  TransferMechanism,
} from './processor.model';
import { ADEQUACY_DECISIONS, EEA_COUNTRIES } from './transfer-countries';

const base = { code: 'p', name: 'P', country: 'FR' };

describe('processor rules', () => {
  it('knows the 30 EEA countries, and no adequacy decision names one of them', () => {
    expect(EEA_COUNTRIES.size).toBe(30);
    expect([...ADEQUACY_DECISIONS.keys()].filter((c) => EEA_COUNTRIES.has(c))).toEqual([]);
  });

  it('derives transfers: EEA left out, a full adequacy decision assumed, a partial one never', () => {
    const transfers = processorTransfers({
      ...base,
      processingLocations: [{ country: 'DE' }, { country: 'CH' }, { country: 'US' }],
      subProcessors: [
        { name: 'S', country: 'IN', mechanism: TransferMechanism.BindingCorporateRules, reference: 'BCR-1' },
      ],
    });
    expect(transfers.map((t) => [t.country, t.subProcessor, t.mechanism, t.reference])).toEqual([
      ['CH', null, 'adequacy_decision', 'Commission Decision 2000/518/EC'],
      ['US', null, null, null],
      ['IN', 'S', 'binding_corporate_rules', 'BCR-1'],
    ]);
  });

  it('refuses mechanisms the lists contradict, and a review before the signature', () => {
    expect(
      checkProcessor({
        ...base,
        processingLocations: [
          { country: 'FR', mechanism: TransferMechanism.StandardContractualClauses, reference: 'x' },
          { country: 'IN', mechanism: TransferMechanism.AdequacyDecision },
          { country: 'BR', mechanism: TransferMechanism.Art49Derogation },
          { country: 'US', mechanism: TransferMechanism.AdequacyDecision },
        ],
        agreement: { signedOn: '2026-01-01', reviewOn: '2025-01-01' },
      }).map((p) => p.property),
    ).toEqual([
      'processingLocations[0].mechanism',
      'processingLocations[1].mechanism',
      'processingLocations[2].reference',
      'agreement.reviewOn',
    ]);
  });

  it('finds an agreement overdue only after its review date', () => {
    const p = { ...base, agreement: { signedOn: '2025-01-01', reviewOn: '2026-06-30' } };
    expect(agreementReviewOverdue(p, '2026-06-30')).toBe(false);
    expect(agreementReviewOverdue(p, '2026-07-01')).toBe(true);
  });
});
