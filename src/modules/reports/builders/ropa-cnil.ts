/**
 * The record of processing in the CNIL model's layout ("modèle de registre", fiche de registre):
 * the organisation, then one fiche per processing activity whose sections follow the model's
 * order. One description, rendered both as a workbook (ropa-workbook.ts) and as a PDF
 * (ropa-cnil-pdf.ts), so the two never disagree.
 */
import { isSpecialCategory } from '../../inventory/inventory.model';
import type { OrganisationView } from '../report-sources';
import type { ReportLang } from '../report.model';
import type { RopaEntry } from './ropa-entries';

const CNIL = {
  fr: {
    title: 'Registre des activités de traitement',
    subtitle: 'Article 30 du RGPD — modèle de la CNIL',
    organisationSheet: 'Organisme',
    organisation: 'Organisme',
    activities: 'Liste des activités de traitement',
    controller: 'Responsable du traitement',
    address: 'Adresse',
    contact: 'Coordonnées',
    dpo: 'Délégué à la protection des données (DPO)',
    representative: 'Représentant dans l’Union (art. 27)',
    jointControllers: 'Responsable(s) conjoint(s)',
    notDeclared: 'non déclaré',
    none: 'aucun',
    unavailable: 'non disponible dans ce déploiement',
    number: 'N°',
    reference: 'Référence',
    activity: 'Activité de traitement',
    activatedAt: 'Date de création',
    version: 'Version',
    sheet: 'Fiche',
    actors: 'Acteurs',
    role: 'Rôle',
    name: 'Nom',
    purposes: 'Finalité(s) du traitement effectué',
    mainPurpose: 'Finalité principale',
    parentPurpose: 'Finalité parente',
    description: 'Description',
    legalBasis: 'Base légale (art. 6)',
    legitimateInterest: 'Intérêt légitime poursuivi',
    specialCondition: 'Condition de l’art. 9 / art. 10',
    dpia: 'Analyse d’impact (AIPD) requise',
    subjects: 'Catégories de personnes concernées',
    category: 'Catégorie',
    data: 'Catégories de données personnelles',
    sensitive: 'Donnée sensible (art. 9 / art. 10)',
    fields: 'Champs (inventaire)',
    systems: 'Systèmes',
    recipients: 'Destinataires',
    recipientType: 'Type de destinataire',
    internalOrThirdParty: 'Service interne ou tiers (déclaré)',
    processor: 'Sous-traitant',
    agreement: 'Contrat de sous-traitance',
    signedOn: 'signé le',
    notSigned: 'non signé',
    reviewOn: 'à revoir le',
    transfers: 'Transferts de données hors UE',
    country: 'Pays',
    recipient: 'Destinataire',
    safeguard: 'Garantie (outil de transfert)',
    source: 'Source',
    derived: 'déduit des sous-traitants',
    declared: 'déclaré',
    retention: 'Durées de conservation',
    activeRetention: 'Durée en base active',
    archive: 'Archivage intermédiaire',
    noArchive: 'pas d’archivage',
    security: 'Mesures de sécurité',
    measure: 'Mesure',
    yes: 'oui',
    no: 'non',
    art9: 'oui (art. 9)',
    art10: 'oui (art. 10)',
    generatedAt: 'Généré le',
    mechanisms: {
      adequacy_decision: 'Décision d’adéquation',
      standard_contractual_clauses: 'Clauses contractuelles types',
      binding_corporate_rules: 'Règles d’entreprise contraignantes (BCR)',
      art49_derogation: 'Dérogation (art. 49)',
    } as Record<string, string>,
  },
  en: {
    title: 'Record of processing activities',
    subtitle: 'GDPR article 30 — CNIL model layout',
    organisationSheet: 'Organisation',
    organisation: 'Organisation',
    activities: 'Processing activities',
    controller: 'Controller',
    address: 'Address',
    contact: 'Contact details',
    dpo: 'Data protection officer (DPO)',
    representative: 'Representative in the Union (art. 27)',
    jointControllers: 'Joint controller(s)',
    notDeclared: 'not declared',
    none: 'none',
    unavailable: 'not available in this deployment',
    number: 'No.',
    reference: 'Reference',
    activity: 'Processing activity',
    activatedAt: 'Created',
    version: 'Version',
    sheet: 'Sheet',
    actors: 'Actors',
    role: 'Role',
    name: 'Name',
    purposes: 'Purpose(s) of the processing',
    mainPurpose: 'Main purpose',
    parentPurpose: 'Parent purpose',
    description: 'Description',
    legalBasis: 'Legal basis (art. 6)',
    legitimateInterest: 'Legitimate interest pursued',
    specialCondition: 'Art. 9 / art. 10 condition',
    dpia: 'DPIA required',
    subjects: 'Categories of data subjects',
    category: 'Category',
    data: 'Categories of personal data',
    sensitive: 'Sensitive data (art. 9 / art. 10)',
    fields: 'Fields (inventory)',
    systems: 'Systems',
    recipients: 'Recipients',
    recipientType: 'Type of recipient',
    internalOrThirdParty: 'Internal department or third party (declared)',
    processor: 'Processor',
    agreement: 'Data-processing agreement',
    signedOn: 'signed on',
    notSigned: 'not signed',
    reviewOn: 'review by',
    transfers: 'Transfers outside the EU',
    country: 'Country',
    recipient: 'Recipient',
    safeguard: 'Safeguard (transfer mechanism)',
    source: 'Source',
    derived: 'derived from the processors',
    declared: 'declared',
    retention: 'Retention periods',
    activeRetention: 'Active storage',
    archive: 'Intermediate archive',
    noArchive: 'no archive phase',
    security: 'Security measures',
    measure: 'Measure',
    yes: 'yes',
    no: 'no',
    art9: 'yes (art. 9)',
    art10: 'yes (art. 10)',
    generatedAt: 'Generated at',
    mechanisms: {
      adequacy_decision: 'Adequacy decision',
      standard_contractual_clauses: 'Standard contractual clauses',
      binding_corporate_rules: 'Binding corporate rules',
      art49_derogation: 'Derogation (art. 49)',
    } as Record<string, string>,
  },
};

export type CnilWords = (typeof CNIL)['fr'];

export function cnilWords(lang: ReportLang): CnilWords {
  return CNIL[lang];
}

/** One section of a fiche: a heading and a small table (the first row is its header). */
export interface CnilSection {
  /** Stable id (tests, PDF destinations): actors, purposes, subjects, data, recipients, transfers, retention, security. */
  id: string;
  title: string;
  header: string[];
  rows: string[][];
}

const party = (p: { name: string; contact?: string | null } | null | undefined) =>
  p ? (p.contact ? `${p.name} — ${p.contact}` : p.name) : '';

/** The organisation block of the first sheet (and the PDF's cover). */
export function cnilOrganisationRows(o: OrganisationView | null, lang: ReportLang): string[][] {
  const w = CNIL[lang];
  if (!o) return [[w.controller, w.notDeclared]];
  return [
    [w.controller, o.name],
    [w.address, o.address.replace(/\r?\n/g, ', ')],
    [w.contact, o.contact],
    [w.dpo, o.dpo ? party(o.dpo) : w.notDeclared],
    [
      w.representative,
      o.representative ? party(o.representative) : o.establishedInEu ? w.none : w.notDeclared,
    ],
  ];
}

/** The list of activities on the first sheet: number, reference, name, creation date, version. */
export function cnilActivityRow(e: RopaEntry, index: number): string[] {
  return [String(index + 1), e.code, e.name, e.activatedAt?.slice(0, 10) ?? '', String(e.version)];
}

export function cnilActivityHeader(lang: ReportLang): string[] {
  const w = CNIL[lang];
  return [w.number, w.reference, w.activity, w.activatedAt, w.version];
}

function sensitivity(category: string, specialFound: boolean, w: CnilWords): string {
  if (category === 'criminal_convictions') return w.art10;
  return specialFound || isSpecialCategory(category) ? w.art9 : w.no;
}

/** The fiche of one processing activity, its sections in the CNIL model's order. */
export function cnilSections(
  e: RopaEntry,
  o: OrganisationView | null,
  lang: ReportLang,
  legalBasisLabel: string,
): CnilSection[] {
  const w = CNIL[lang];
  const mechanism = (m: string | null | undefined) => (m ? (w.mechanisms[m] ?? m) : w.none);

  const actors: string[][] = [
    [w.controller, party(e.controller) || (o ? party({ name: o.name, contact: o.contact }) : w.notDeclared)],
    ...e.jointControllers.map((j) => [w.jointControllers, party(j)]),
    [w.dpo, o?.dpo ? party(o.dpo) : w.notDeclared],
    [w.representative, o?.representative ? party(o.representative) : w.none],
  ];

  const purposes: string[][] = [
    [w.mainPurpose, e.name],
    [w.reference, e.code],
    ...(e.parentCode ? [[w.parentPurpose, e.parentCode]] : []),
    ...(e.description ? [[w.description, e.description]] : []),
    [w.legalBasis, legalBasisLabel],
    ...(e.legitimateInterest ? [[w.legitimateInterest, e.legitimateInterest]] : []),
    [w.specialCondition, e.specialCategoryCondition ?? w.none],
    [w.dpia, e.dpiaRequired === null ? '—' : e.dpiaRequired ? w.yes : w.no],
  ];

  const subjects = (e.dataSubjectCategories.length ? e.dataSubjectCategories : [w.none]).map((c) => [c]);

  const found = new Map((e.inventoryCategories ?? []).map((c) => [c.category, c]));
  const categories = [...new Set([...e.dataCategories, ...found.keys()])].sort();
  const data = categories.map((c) => {
    const f = found.get(c);
    return [
      c,
      sensitivity(c, f?.special ?? false, w),
      e.inventoryCategories === null ? w.unavailable : String(f?.fieldCount ?? 0),
      f ? f.systems.join(', ') : '',
    ];
  });

  const recipients: string[][] = [
    ...e.recipients.map((r) => [w.internalOrThirdParty, r, '']),
    ...(e.processorsUsed ?? []).map((p) => [
      w.processor,
      `${p.name} (${p.code}) — ${p.country}${p.service ? ` — ${p.service}` : ''}`,
      p.agreement?.signedOn
        ? `${w.agreement} ${w.signedOn} ${p.agreement.signedOn}` +
          (p.agreement.reference ? ` (${p.agreement.reference})` : '') +
          (p.agreement.reviewOn ? `, ${w.reviewOn} ${p.agreement.reviewOn}` : '')
        : `${w.agreement}: ${w.notSigned}`,
    ]),
    // Processors typed on the purpose before the processor register existed stay listed.
    ...e.processors.map((p) => [w.processor, [p.name, p.service, p.country].filter(Boolean).join(' — '), '']),
  ];

  const transfers: string[][] = [
    ...(e.derivedTransfers ?? []).map((t) => [
      t.country,
      t.subProcessor ? `${t.processorName} → ${t.subProcessor}` : t.processorName,
      mechanism(t.mechanism),
      t.reference ?? '',
      w.derived,
    ]),
    ...e.internationalTransfers.map((t) => [
      t.country,
      t.recipient ?? '',
      t.safeguard ?? w.none,
      '',
      w.declared,
    ]),
  ];

  const active = e.retention?.description ?? w.none;
  const archive = e.retention?.archive?.description ?? w.noArchive;
  const retention = (categories.length ? categories : [w.none]).map((c) => [c, active, archive]);

  const security = (e.securityMeasures.length ? e.securityMeasures : [w.none]).map((m) => [m]);

  return [
    { id: 'actors', title: w.actors, header: [w.role, w.name], rows: actors },
    { id: 'purposes', title: w.purposes, header: ['', ''], rows: purposes },
    { id: 'subjects', title: w.subjects, header: [w.category], rows: subjects },
    { id: 'data', title: w.data, header: [w.category, w.sensitive, w.fields, w.systems], rows: data },
    {
      id: 'recipients',
      title: w.recipients,
      header: [w.recipientType, w.recipient, w.agreement],
      rows: recipients,
    },
    {
      id: 'transfers',
      title: w.transfers,
      header: [w.country, w.recipient, w.safeguard, w.reference, w.source],
      rows: transfers.length ? transfers : [[w.none, '', '', '', '']],
    },
    {
      id: 'retention',
      title: w.retention,
      header: [w.category, w.activeRetention, w.archive],
      rows: retention,
    },
    { id: 'security', title: w.security, header: [w.measure], rows: security },
  ];
}
