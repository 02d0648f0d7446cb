/**
 * THE list of countries whose data needs no transfer mechanism (the EEA) and of the European
 * Commission's adequacy decisions (art. 45 GDPR). One file, so that a change of the law is one
 * reviewed commit here and nowhere else.
 *
 * Source: European Commission, "Adequacy decisions — How the EU determines if a non-EU country has
 * an adequate level of data protection" (commission.europa.eu, data protection, international
 * dimension), and the EEA Agreement (EU member states plus Iceland, Liechtenstein and Norway).
 * As of: 2026-12-05. Review it whenever the Commission adopts, renews or withdraws a decision or
 * the Court of Justice annuls one (as it did for Safe Harbour and the Privacy Shield).
 */
export const TRANSFER_COUNTRIES_SOURCE =
  'European Commission, list of adequacy decisions (art. 45 GDPR); EEA Agreement (EU 27 + IS, LI, NO)';
export const TRANSFER_COUNTRIES_AS_OF = '2026-12-05';

/** ISO 3166-1 alpha-2 codes of the EEA: the 27 EU member states, Iceland, Liechtenstein, Norway. */
export const EEA_COUNTRIES: ReadonlySet<string> = new Set([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT',
  'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
  'IS', 'LI', 'NO',
]); // prettier-ignore

export interface AdequacyDecision {
  /** The Commission decision's reference. */
  reference: string;
  /**
   * Partial adequacy covers only some recipients (certified organisations, the private sector):
   * Finalité never assumes it; the DPO states it for a processor, with its reference.
   */
  partial: boolean;
  scope?: string;
}

export const ADEQUACY_DECISIONS: ReadonlyMap<string, AdequacyDecision> = new Map([
  ['AD', { reference: 'Commission Decision 2010/625/EU', partial: false }],
  ['AR', { reference: 'Commission Decision 2003/490/EC', partial: false }],
  [
    'CA',
    {
      reference: 'Commission Decision 2002/2/EC',
      partial: true,
      scope: 'commercial organisations subject to PIPEDA',
    },
  ],
  ['CH', { reference: 'Commission Decision 2000/518/EC', partial: false }],
  ['FO', { reference: 'Commission Decision 2010/146/EU', partial: false }],
  ['GB', { reference: 'Commission Implementing Decision (EU) 2021/1772, as renewed', partial: false }],
  ['GG', { reference: 'Commission Decision 2003/821/EC', partial: false }],
  ['IL', { reference: 'Commission Decision 2011/61/EU', partial: false }],
  ['IM', { reference: 'Commission Decision 2004/411/EC', partial: false }],
  ['JE', { reference: 'Commission Decision 2008/393/EC', partial: false }],
  ['JP', { reference: 'Commission Implementing Decision (EU) 2019/419', partial: false }],
  ['KR', { reference: 'Commission Implementing Decision (EU) 2022/254', partial: false }],
  ['NZ', { reference: 'Commission Decision 2013/65/EU', partial: false }],
  [
    'US',
    {
      reference: 'Commission Implementing Decision (EU) 2023/1795 (EU-US Data Privacy Framework)',
      partial: true,
      scope: 'organisations certified under the EU-US Data Privacy Framework',
    },
  ],
  ['UY', { reference: 'Commission Decision 2012/484/EU', partial: false }],
]);

export function isEea(country: string): boolean {
  return EEA_COUNTRIES.has(country);
}

export function adequacyOf(country: string): AdequacyDecision | null {
  return ADEQUACY_DECISIONS.get(country) ?? null;
}
