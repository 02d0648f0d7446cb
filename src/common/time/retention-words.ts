import { describeDuration, parseIsoDuration } from './iso-duration';

/** The languages retention is worded in (the reports' and the console's). */
export type RetentionLang = 'en' | 'fr';

const TRIGGERS: Record<RetentionLang, Record<string, string>> = {
  en: {
    collection: 'from collection',
    last_interaction: 'from the last interaction',
    contract_end: 'from the end of the contract',
    consent_withdrawal: 'until consent is withdrawn, then',
  },
  fr: {
    collection: 'à compter de la collecte',
    last_interaction: 'à compter de la dernière interaction',
    contract_end: 'à compter de la fin du contrat',
    consent_withdrawal: 'jusqu’au retrait du consentement, puis',
  },
};

/**
 * "3 years from the last interaction" / "3 ans à compter de la dernière interaction". One wording
 * for the reports (art. 30 record) and the inventory (a field's effective retention), so a DPO
 * reads the same sentence in the console and in the exported register.
 */
export function describeRetention(
  retention: { duration: string; trigger: string } | null | undefined,
  lang: RetentionLang,
): string | null {
  if (!retention) return null;
  let words: string;
  try {
    words = describeDuration(parseIsoDuration(retention.duration), lang);
  } catch {
    words = retention.duration; // an invalid stored value is shown as stored, never hidden
  }
  const trigger = TRIGGERS[lang][retention.trigger] ?? retention.trigger;
  return retention.trigger === 'consent_withdrawal' ? `${trigger} ${words}` : `${words} ${trigger}`;
}
