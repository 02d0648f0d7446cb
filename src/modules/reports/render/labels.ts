import { describeDuration, parseIsoDuration } from '../../../common/time/iso-duration';
import type { ReportLang } from '../report.model';

/** Every human-readable word of the reports, in English and French (CNIL vocabulary). */
const LABELS = {
  en: {
    'ropa.title': 'Record of processing activities',
    'ropa.subtitle': 'GDPR article 30(1)',
    'gaps.title': 'Compliance gaps',
    'gaps.subtitle': 'Where the register falls short',
    'access.title': 'Access report',
    'access.subtitle': 'Access decisions by application, purpose and outcome',
    'retention.title': 'Retention report',
    'retention.subtitle': 'Retention runs, deleted, anonymised and held rows, overdue data',
    'integrity.title': 'Audit trail integrity certificate',
    'integrity.subtitle': 'Full verification of the hash chain',
    generatedAt: 'Generated at',
    period: 'Period',
    chainHead: 'Audit chain head',
    chainHeadNone: 'empty trail',
    chainHeadUnverified: 'NOT VERIFIED: the audit chain is broken, see the integrity report',
    contents: 'Contents',
    page: 'Page',
    none: 'none',
    notAvailable: 'not available in this deployment',
    yes: 'yes',
    no: 'no',
    code: 'Code',
    name: 'Purpose',
    description: 'Description',
    parentCode: 'Parent purpose',
    controller: 'Controller',
    jointControllers: 'Joint controllers',
    processors: 'Processors',
    legalBasis: 'Legal basis (art. 6)',
    legitimateInterest: 'Legitimate interest pursued',
    specialCategoryCondition: 'Art. 9 condition',
    dataSubjectCategories: 'Categories of data subjects',
    dataCategories: 'Categories of personal data',
    recipients: 'Categories of recipients',
    internationalTransfers: 'Transfers outside the EU',
    processorsUsed: 'Processors (register)',
    derivedTransfers: 'Transfers derived from the processors',
    retention: 'Retention',
    securityMeasures: 'Security measures',
    dpiaRequired: 'DPIA required',
    systems: 'Systems',
    fieldCount: 'Fields',
    activePurposeCount: 'Active purposes',
    dataCategory: 'Data category',
    special: 'Special category',
    activatedAt: 'Active since',
    version: 'Version',
    severity: 'Severity',
    link: 'To fix',
    count: 'Count',
    application: 'Application',
    purpose: 'Purpose',
    outcome: 'Outcome',
    reason: 'Reason',
    topDenialReasons: 'Top denial reasons',
    unusualPatterns: 'Unusual patterns',
    decisions: 'Decisions',
    system: 'System',
    dataset: 'Dataset',
    deleted: 'Deleted',
    anonymised: 'Anonymised',
    held: 'Held',
    failures: 'Failures',
    runs: 'Runs',
    failedRuns: 'Failed runs',
    overdue: 'Overdue rows now',
    summary: 'Summary',
    total: 'Total',
    firstInvalidSeq: 'First broken link at seq',
    finding: 'Finding',
    expected: 'Expected',
    found: 'Found',
    trailCut: 'Audit trail cut below a signed checkpoint',
    lastEventSeq: 'Last event in the table (seq)',
    sealedSeq: 'Sealed by a signed checkpoint up to seq',
    exportNotRecorded:
      'This download could not be recorded in the audit trail: the trail refuses every append until an operator ' +
      'restores the missing events (AUDIT_TRAIL_TRUNCATED).',
    verification: 'Verification',
    valid: 'Chain valid',
    checkedEvents: 'Events checked',
    checkpoint: 'Latest signed checkpoint',
    signature: 'Signature',
    algorithm: 'Algorithm',
    signedMessage: 'Signed message',
    publicKey: 'Public key',
    howToVerify: 'How to verify',
    more: 'more, listed in the JSON report',
    organisation: 'Controller (organisation)',
    organisationAddress: 'Controller address',
    organisationContact: 'Controller contact',
    establishedInEu: 'Established in the EU',
    dpo: 'Data protection officer',
    dpoContact: 'DPO contact',
    representative: 'EU representative (art. 27)',
    representativeContact: 'EU representative contact',
    notDeclared: 'not declared',
    applicationId: 'Application id',
    'severity.high': 'high',
    'severity.medium': 'medium',
    'severity.low': 'low',
  },
  fr: {
    'ropa.title': 'Registre des activités de traitement',
    'ropa.subtitle': 'RGPD article 30(1)',
    'gaps.title': 'Écarts de conformité',
    'gaps.subtitle': 'Là où le registre est incomplet',
    'access.title': 'Rapport des accès',
    'access.subtitle': 'Décisions d’accès par application, finalité et résultat',
    'retention.title': 'Rapport de conservation',
    'retention.subtitle': 'Exécutions, lignes supprimées, anonymisées et gelées, données échues',
    'integrity.title': 'Certificat d’intégrité du journal d’audit',
    'integrity.subtitle': 'Vérification complète de la chaîne de hachage',
    generatedAt: 'Généré le',
    period: 'Période',
    chainHead: 'Tête de la chaîne d’audit',
    chainHeadNone: 'journal vide',
    chainHeadUnverified: 'NON VÉRIFIÉE : la chaîne d’audit est rompue, voir le rapport d’intégrité',
    contents: 'Sommaire',
    page: 'Page',
    none: 'aucun',
    notAvailable: 'non disponible dans ce déploiement',
    yes: 'oui',
    no: 'non',
    code: 'Code',
    name: 'Finalité',
    description: 'Description',
    parentCode: 'Finalité parente',
    controller: 'Responsable du traitement',
    jointControllers: 'Responsables conjoints',
    processors: 'Sous-traitants',
    legalBasis: 'Base légale (art. 6)',
    legitimateInterest: 'Intérêt légitime poursuivi',
    specialCategoryCondition: 'Condition de l’art. 9',
    dataSubjectCategories: 'Catégories de personnes concernées',
    dataCategories: 'Catégories de données',
    recipients: 'Catégories de destinataires',
    internationalTransfers: 'Transferts hors UE',
    processorsUsed: 'Sous-traitants (registre)',
    derivedTransfers: 'Transferts déduits des sous-traitants',
    retention: 'Durée de conservation',
    securityMeasures: 'Mesures de sécurité',
    dpiaRequired: 'AIPD requise',
    systems: 'Systèmes',
    fieldCount: 'Champs',
    activePurposeCount: 'Finalités actives',
    dataCategory: 'Catégorie de données',
    special: 'Donnée sensible',
    activatedAt: 'Active depuis le',
    version: 'Version',
    severity: 'Gravité',
    link: 'À corriger',
    count: 'Nombre',
    application: 'Application',
    purpose: 'Finalité',
    outcome: 'Résultat',
    reason: 'Motif',
    topDenialReasons: 'Principaux motifs de refus',
    unusualPatterns: 'Comportements inhabituels',
    decisions: 'Décisions',
    system: 'Système',
    dataset: 'Jeu de données',
    deleted: 'Supprimées',
    anonymised: 'Anonymisées',
    held: 'Gelées',
    failures: 'Échecs',
    runs: 'Exécutions',
    failedRuns: 'Exécutions en échec',
    overdue: 'Lignes échues à ce jour',
    summary: 'Synthèse',
    total: 'Total',
    firstInvalidSeq: 'Premier maillon rompu (seq)',
    finding: 'Constat',
    expected: 'Attendu',
    found: 'Trouvé',
    trailCut: 'Journal d’audit tronqué sous un point de contrôle signé',
    lastEventSeq: 'Dernier événement de la table (seq)',
    sealedSeq: 'Scellé par un point de contrôle signé jusqu’à la seq',
    exportNotRecorded:
      'Ce téléchargement n’a pas pu être enregistré dans le journal d’audit : le journal refuse tout ajout tant ' +
      'qu’un opérateur n’a pas restauré les événements manquants (AUDIT_TRAIL_TRUNCATED).',
    verification: 'Vérification',
    valid: 'Chaîne intègre',
    checkedEvents: 'Événements vérifiés',
    checkpoint: 'Dernier point de contrôle signé',
    signature: 'Signature',
    algorithm: 'Algorithme',
    signedMessage: 'Message signé',
    publicKey: 'Clé publique',
    howToVerify: 'Comment vérifier',
    more: 'de plus, listés dans le rapport JSON',
    organisation: 'Responsable du traitement (organisme)',
    organisationAddress: 'Adresse du responsable',
    organisationContact: 'Coordonnées du responsable',
    establishedInEu: 'Établi dans l’UE',
    dpo: 'Délégué à la protection des données',
    dpoContact: 'Coordonnées du DPO',
    representative: 'Représentant dans l’UE (art. 27)',
    representativeContact: 'Coordonnées du représentant',
    notDeclared: 'non déclaré',
    applicationId: 'Identifiant de l’application',
    'severity.high': 'élevée',
    'severity.medium': 'moyenne',
    'severity.low': 'faible',
  },
} as const;

export type LabelKey = keyof (typeof LABELS)['en'];

const LEGAL_BASES: Record<ReportLang, Record<string, string>> = {
  en: {
    consent: 'Consent (art. 6(1)(a))',
    contract: 'Performance of a contract (art. 6(1)(b))',
    legal_obligation: 'Legal obligation (art. 6(1)(c))',
    vital_interests: 'Vital interests (art. 6(1)(d))',
    public_task: 'Public task (art. 6(1)(e))',
    legitimate_interests: 'Legitimate interests (art. 6(1)(f))',
  },
  fr: {
    consent: 'Consentement (art. 6(1)(a))',
    contract: 'Exécution d’un contrat (art. 6(1)(b))',
    legal_obligation: 'Obligation légale (art. 6(1)(c))',
    vital_interests: 'Intérêts vitaux (art. 6(1)(d))',
    public_task: 'Mission d’intérêt public (art. 6(1)(e))',
    legitimate_interests: 'Intérêt légitime (art. 6(1)(f))',
  },
};

const TRIGGERS: Record<ReportLang, Record<string, string>> = {
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

export interface Labels {
  lang: ReportLang;
  t(key: LabelKey): string;
  legalBasis(basis: string | null | undefined): string;
  retention(retention: { duration: string; trigger: string } | null | undefined): string;
  yesNo(value: boolean | null | undefined): string;
  date(value: Date | string | null | undefined): string;
  /** "1 field" / "2 fields"; "0 champ", "1 champ" / "2 champs" (French keeps 0 and 1 singular). */
  fields(count: number): string;
}

const FIELD_WORDS: Record<ReportLang, { one: string; other: string; isSingular: (n: number) => boolean }> = {
  en: { one: 'field', other: 'fields', isSingular: (n) => n === 1 },
  fr: { one: 'champ', other: 'champs', isSingular: (n) => n === 0 || n === 1 },
};

export function labelsFor(lang: ReportLang): Labels {
  const table = LABELS[lang];
  return {
    lang,
    t: (key) => table[key],
    legalBasis: (basis) => (basis ? (LEGAL_BASES[lang][basis] ?? basis) : table.none),
    retention: (r) => describeRetention(r, lang) ?? table.none,
    yesNo: (v) => (v === null || v === undefined ? '—' : v ? table.yes : table.no),
    date: (v) => (v ? new Date(v).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—'),
    fields: (count) => {
      const words = FIELD_WORDS[lang];
      return `${count} ${words.isSingular(count) ? words.one : words.other}`;
    },
  };
}

/** "3 years from the last interaction" / "3 ans à compter de la dernière interaction". */
export function describeRetention(
  retention: { duration: string; trigger: string } | null | undefined,
  lang: ReportLang,
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
