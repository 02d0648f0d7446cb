/**
 * Retention durations taken from the CNIL's référentiels and the laws they cite (issue 15), each
 * with its source, in French and English. Reference data, not advice: a DPO adapts a preset to
 * the processing it describes. `archive`: a phase of intermediate archive after the active one
 * (durée d'utilité administrative), kept only for the legal reason given.
 */
export interface RetentionPresetSource {
  text: string;
  article: string | null;
  date: string;
  url: string | null;
}

export interface RetentionPreset {
  code: string;
  label: { fr: string; en: string };
  retention: { duration: string; trigger: 'collection' | 'last_interaction' | 'contract_end' };
  archive: { duration: string; legalReason: { fr: string; en: string } } | null;
  note: { fr: string; en: string } | null;
  source: RetentionPresetSource;
}

const COMMERCIAL = {
  text: 'CNIL, référentiel relatif aux traitements de données à caractère personnel mis en œuvre aux fins de gestion des activités commerciales (délibération n° 2021-131)',
  date: '2021-09-23',
  url: 'https://www.cnil.fr/fr/referentiel-gestion-commerciale',
};

const STAFF = {
  text: 'CNIL, référentiel relatif aux traitements de données à caractère personnel mis en œuvre aux fins de gestion du personnel (délibération n° 2019-160)',
  date: '2019-11-21',
  url: 'https://www.cnil.fr/fr/referentiel-gestion-du-personnel',
};

export const RETENTION_PRESETS: readonly RetentionPreset[] = [
  {
    code: 'cnil.prospects',
    label: { fr: 'Prospects', en: 'Prospects' },
    retention: { duration: 'P3Y', trigger: 'last_interaction' },
    archive: null,
    note: {
      fr: '3 ans à compter de la collecte ou du dernier contact émanant du prospect (une demande, un clic, un consentement renouvelé).',
      en: '3 years from collection or from the last contact coming from the prospect (a request, a click, a renewed consent).',
    },
    source: { ...COMMERCIAL, article: 'Annexe, durées de conservation (prospects)' },
  },
  {
    code: 'cnil.customers-prospecting',
    label: {
      fr: 'Clients, utilisation à des fins de prospection',
      en: 'Customers, used for prospecting',
    },
    retention: { duration: 'P3Y', trigger: 'contract_end' },
    archive: null,
    note: {
      fr: '3 ans à compter de la fin de la relation commerciale.',
      en: '3 years after the end of the commercial relationship.',
    },
    source: { ...COMMERCIAL, article: 'Annexe, durées de conservation (clients)' },
  },
  {
    code: 'cnil.contract-evidence',
    label: { fr: 'Preuve du contrat', en: 'Contract evidence' },
    retention: { duration: 'P1D', trigger: 'contract_end' },
    archive: {
      duration: 'P5Y',
      legalReason: {
        fr: 'Prescription de droit commun des actions personnelles ou mobilières (art. 2224 du Code civil)',
        en: 'Limitation period for personal actions (art. 2224 of the French Civil Code)',
      },
    },
    note: {
      fr: 'Base active le temps du contrat, puis archive intermédiaire 5 ans pour la prescription.',
      en: 'Active for the contract, then 5 years in intermediate archive for the limitation period.',
    },
    source: {
      text: 'Code civil (loi n° 2008-561 portant réforme de la prescription en matière civile), cité par le référentiel CNIL gestion commerciale',
      article: 'Article 2224',
      date: '2008-06-17',
      url: 'https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000019017112',
    },
  },
  {
    code: 'cnil.invoices-accounting',
    label: { fr: 'Factures et pièces comptables', en: 'Invoices and accounting records' },
    retention: { duration: 'P10Y', trigger: 'collection' },
    archive: null,
    note: {
      fr: '10 ans à compter de la clôture de l’exercice (documents comptables et pièces justificatives).',
      en: '10 years from the end of the financial year (accounting documents and supporting records).',
    },
    source: {
      text: 'Code de commerce',
      article: 'Article L123-22',
      date: '2009-01-30',
      url: 'https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000020150429',
    },
  },
  {
    code: 'cnil.payment-card',
    label: { fr: 'Données de carte de paiement', en: 'Payment card data' },
    retention: { duration: 'P1D', trigger: 'collection' },
    archive: {
      duration: 'P13M',
      legalReason: {
        fr: 'Délai de contestation de l’opération (art. L133-24 du Code monétaire et financier) ; 15 mois pour une carte à débit différé',
        en: 'Period to dispute the transaction (art. L133-24 of the French Monetary and Financial Code); 15 months for a deferred-debit card',
      },
    },
    note: {
      fr: 'Jusqu’à la réalisation de la transaction, puis 13 mois (15 pour le débit différé) en archive intermédiaire ; le cryptogramme visuel n’est jamais conservé.',
      en: 'Until the transaction is made, then 13 months (15 for deferred debit) in intermediate archive; the card security code is never kept.',
    },
    source: {
      text: 'CNIL, délibération n° 2018-303 portant adoption d’une recommandation concernant le traitement des données relatives à la carte de paiement',
      article: 'Point 3 (durées de conservation)',
      date: '2018-09-06',
      url: 'https://www.legifrance.gouv.fr/cnil/id/CNILTEXT000037594426',
    },
  },
  {
    code: 'cnil.recruitment',
    label: { fr: 'Candidats non retenus', en: 'Candidates not hired' },
    retention: { duration: 'P2Y', trigger: 'last_interaction' },
    archive: null,
    note: {
      fr: '2 ans après le dernier contact avec le candidat (sauf opposition de sa part).',
      en: '2 years after the last contact with the candidate (unless they object).',
    },
    source: { ...STAFF, article: 'Annexe, recrutement' },
  },
  {
    code: 'cnil.cookies-consent',
    label: { fr: 'Consentement aux cookies et traceurs', en: 'Cookies and trackers consent' },
    retention: { duration: 'P13M', trigger: 'collection' },
    archive: null,
    note: {
      fr: 'Durée de vie des traceurs et du choix exprimé : 13 mois au plus.',
      en: 'Lifetime of the trackers and of the choice expressed: 13 months at most.',
    },
    source: {
      text: 'CNIL, délibération n° 2020-091 portant adoption de lignes directrices relatives aux « cookies et autres traceurs »',
      article: 'Article 2, durée de validité du consentement',
      date: '2020-09-17',
      url: 'https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000042388179',
    },
  },
  {
    code: 'cnil.staff-payroll',
    label: { fr: 'Paie du personnel', en: 'Staff payroll' },
    retention: { duration: 'P5Y', trigger: 'collection' },
    archive: null,
    note: {
      fr: 'Double des bulletins de paie : 5 ans.',
      en: 'Duplicates of pay slips: 5 years.',
    },
    source: {
      text: 'Code du travail, cité par le référentiel CNIL gestion du personnel (délibération n° 2019-160)',
      article: 'Article L3243-4',
      date: '2019-11-21',
      url: 'https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000006902828',
    },
  },
];
