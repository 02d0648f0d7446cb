import { LegalBasis, PurposeStatus } from '../../purposes/purpose.model';
import type { PurposeView } from '../../purposes/purposes.service';
import type { DerivedTransfer } from './derived-transfers';
import type {
  InventoryFieldView,
  InventorySystemView,
  OrganisationView,
  OverdueRow,
  ProcessorView,
  UnregisteredColumnView,
} from '../report-sources';
import type { ReportLang } from '../report.model';

export enum GapSeverity {
  High = 'high',
  Medium = 'medium',
  Low = 'low',
}

export enum GapCode {
  FieldWithoutActivePurpose = 'FIELD_WITHOUT_ACTIVE_PURPOSE',
  UnregisteredColumn = 'UNREGISTERED_COLUMN',
  PurposeWithoutRetention = 'PURPOSE_WITHOUT_RETENTION',
  PurposeWithoutLegalBasis = 'PURPOSE_WITHOUT_LEGAL_BASIS',
  LegitimateInterestNotJustified = 'LEGITIMATE_INTEREST_NOT_JUSTIFIED',
  ConsentWithoutRecords = 'CONSENT_WITHOUT_RECORDS',
  SpecialCategoryWithoutCondition = 'SPECIAL_CATEGORY_WITHOUT_CONDITION',
  TransferWithoutSafeguard = 'TRANSFER_WITHOUT_SAFEGUARD',
  OverdueData = 'OVERDUE_DATA',
  SystemNeverScanned = 'SYSTEM_NEVER_SCANNED',
  OrganisationNotDeclared = 'ORGANISATION_NOT_DECLARED',
  DpoContactMissing = 'DPO_CONTACT_MISSING',
  EuRepresentativeMissing = 'EU_REPRESENTATIVE_MISSING',
  ProcessorAgreementMissing = 'PROCESSOR_AGREEMENT_MISSING',
  TransferWithoutMechanism = 'TRANSFER_WITHOUT_MECHANISM',
  ProcessorAgreementReviewOverdue = 'PROCESSOR_AGREEMENT_REVIEW_OVERDUE',
  DeclaredTransfersMismatch = 'DECLARED_TRANSFERS_MISMATCH',
  FieldStrategyNotApplicable = 'FIELD_STRATEGY_NOT_APPLICABLE',
  ArchivePhaseWithoutLegalReason = 'ARCHIVE_PHASE_WITHOUT_LEGAL_REASON',
}

/**
 * Severity per kind of gap. High: processing is happening without a GDPR requirement met
 * (lawfulness, art. 9, transfers, storage limitation). Medium: the register is incomplete about
 * data that exists, or the record of processing lacks an art. 30(1)(a) entry (controller, DPO,
 * EU representative). Low: a control has not been exercised yet.
 */
export const GAP_SEVERITY: Record<GapCode, GapSeverity> = {
  [GapCode.FieldWithoutActivePurpose]: GapSeverity.Medium,
  [GapCode.UnregisteredColumn]: GapSeverity.Medium,
  [GapCode.PurposeWithoutRetention]: GapSeverity.High,
  [GapCode.PurposeWithoutLegalBasis]: GapSeverity.High,
  [GapCode.LegitimateInterestNotJustified]: GapSeverity.High,
  [GapCode.ConsentWithoutRecords]: GapSeverity.High,
  [GapCode.SpecialCategoryWithoutCondition]: GapSeverity.High,
  [GapCode.TransferWithoutSafeguard]: GapSeverity.High,
  [GapCode.OverdueData]: GapSeverity.High,
  [GapCode.SystemNeverScanned]: GapSeverity.Low,
  [GapCode.OrganisationNotDeclared]: GapSeverity.Medium,
  [GapCode.DpoContactMissing]: GapSeverity.Medium,
  [GapCode.EuRepresentativeMissing]: GapSeverity.Medium,
  // Art. 28(3): processing by a processor must be governed by a contract; art. 44: no transfer
  // without a mechanism. A review date past, or a record that disagrees with the inventory, leaves
  // the register wrong rather than the processing unlawful.
  [GapCode.ProcessorAgreementMissing]: GapSeverity.High,
  [GapCode.TransferWithoutMechanism]: GapSeverity.High,
  [GapCode.ProcessorAgreementReviewOverdue]: GapSeverity.Medium,
  [GapCode.DeclaredTransfersMismatch]: GapSeverity.Medium,
  // Retention purges the rest and reports it, but this field's values stay until their rows go.
  [GapCode.FieldStrategyNotApplicable]: GapSeverity.Medium,
  // Keeping data past its active use needs a reason the record of processing can state (ADR 0052).
  [GapCode.ArchivePhaseWithoutLegalReason]: GapSeverity.Medium,
};

export const GAP_CODES = Object.values(GapCode);

export interface ComplianceGap {
  code: GapCode;
  severity: GapSeverity;
  message: string;
  /** API path of the object to fix. */
  link: string;
  object: { type: 'purpose' | 'field' | 'system' | 'dataset' | 'organisation' | 'processor'; id: string };
  details?: Record<string, unknown>;
}

/** API paths of the objects gaps point to (one place to change if a route moves). */
export const LINKS = {
  purpose: (code: string) => `/purposes/${encodeURIComponent(code)}`,
  field: (key: string) => `/fields/${encodeURIComponent(key)}`,
  system: (key: string) => `/systems/${encodeURIComponent(key)}`,
  dataset: (system: string, dataset: string) =>
    `/systems/${encodeURIComponent(system)}/datasets/${encodeURIComponent(dataset)}`,
  organisation: () => '/register/organisation',
  processor: (code: string) => `/processors/${encodeURIComponent(code)}`,
};

type Messages = { [C in GapCode]: (arg: Record<string, string | number>) => string };

const MESSAGES: Record<ReportLang, Messages> = {
  en: {
    FIELD_WITHOUT_ACTIVE_PURPOSE: (a) => `Field ${a.field} is bound to no active purpose`,
    FIELD_STRATEGY_NOT_APPLICABLE: (a) =>
      `Field ${a.field} is anonymised by "nullify" but its column is NOT NULL: retention cannot erase it in place (choose fixed, hash or generalise)`,
    UNREGISTERED_COLUMN: (a) =>
      `Column ${a.column} of ${a.system}/${a.dataset} found by the last scan is not registered`,
    PURPOSE_WITHOUT_RETENTION: (a) => `Active purpose ${a.purpose} has no retention period`,
    PURPOSE_WITHOUT_LEGAL_BASIS: (a) => `Active purpose ${a.purpose} has no legal basis`,
    LEGITIMATE_INTEREST_NOT_JUSTIFIED: (a) =>
      `Active purpose ${a.purpose} relies on legitimate interests without stating them`,
    CONSENT_WITHOUT_RECORDS: (a) =>
      `Consent-based purpose ${a.purpose} was used (${a.decisions} decisions) but has no consent records`,
    SPECIAL_CATEGORY_WITHOUT_CONDITION: (a) =>
      `Special-category field ${a.field} is used for ${a.purpose}, which has no art. 9 condition`,
    TRANSFER_WITHOUT_SAFEGUARD: (a) =>
      `Purpose ${a.purpose} transfers data to ${a.countries} without a safeguard (art. 44–49)`,
    OVERDUE_DATA: (a) => `${a.count} rows of ${a.system}/${a.dataset} are past their retention period`,
    SYSTEM_NEVER_SCANNED: (a) => `System ${a.system} has never been scanned`,
    ORGANISATION_NOT_DECLARED: () =>
      'The controller organisation (name, contact details, DPO) is not declared: the record of processing cannot name it (art. 30(1)(a))',
    DPO_CONTACT_MISSING: () =>
      'The record of processing gives no contact details of a data protection officer (art. 30(1)(a), art. 37)',
    EU_REPRESENTATIVE_MISSING: () =>
      'The controller is established outside the EU but names no representative in the Union (art. 27)',
    PROCESSOR_AGREEMENT_MISSING: (a) =>
      `System ${a.system} is operated by processor ${a.processor}, with no signed data-processing agreement (art. 28(3))`,
    TRANSFER_WITHOUT_MECHANISM: (a) =>
      `Processor ${a.processor} takes data to ${a.countries} with no transfer mechanism (art. 44–49)`,
    PROCESSOR_AGREEMENT_REVIEW_OVERDUE: (a) =>
      `The agreement with processor ${a.processor} was due for review on ${a.reviewOn}`,
    DECLARED_TRANSFERS_MISMATCH: (a) =>
      `Purpose ${a.purpose} declares transfers that disagree with its processors: not declared ${a.undeclared}; declared without a processor taking data there ${a.unfounded}`,
    ARCHIVE_PHASE_WITHOUT_LEGAL_REASON: (a) =>
      `Active purpose ${a.purpose} keeps data ${a.duration} in intermediate archive without stating the legal reason (a limitation period, a legal obligation)`,
  },
  fr: {
    FIELD_WITHOUT_ACTIVE_PURPOSE: (a) => `Le champ ${a.field} n’est rattaché à aucune finalité active`,
    FIELD_STRATEGY_NOT_APPLICABLE: (a) =>
      `Le champ ${a.field} est anonymisé par « nullify » mais sa colonne est NOT NULL : la conservation ne peut pas l’effacer sur place (choisir fixed, hash ou generalise)`,
    UNREGISTERED_COLUMN: (a) =>
      `La colonne ${a.column} de ${a.system}/${a.dataset} trouvée au dernier scan n’est pas enregistrée`,
    PURPOSE_WITHOUT_RETENTION: (a) => `La finalité active ${a.purpose} n’a pas de durée de conservation`,
    PURPOSE_WITHOUT_LEGAL_BASIS: (a) => `La finalité active ${a.purpose} n’a pas de base légale`,
    LEGITIMATE_INTEREST_NOT_JUSTIFIED: (a) =>
      `La finalité active ${a.purpose} repose sur l’intérêt légitime sans le décrire`,
    CONSENT_WITHOUT_RECORDS: (a) =>
      `La finalité ${a.purpose}, fondée sur le consentement, a été utilisée (${a.decisions} décisions) sans aucun consentement enregistré`,
    SPECIAL_CATEGORY_WITHOUT_CONDITION: (a) =>
      `Le champ sensible ${a.field} est utilisé pour ${a.purpose}, sans condition de l’art. 9`,
    TRANSFER_WITHOUT_SAFEGUARD: (a) =>
      `La finalité ${a.purpose} transfère des données vers ${a.countries} sans garantie (art. 44 à 49)`,
    OVERDUE_DATA: (a) =>
      `${a.count} lignes de ${a.system}/${a.dataset} ont dépassé leur durée de conservation`,
    SYSTEM_NEVER_SCANNED: (a) => `Le système ${a.system} n’a jamais été scanné`,
    ORGANISATION_NOT_DECLARED: () =>
      'L’organisme responsable du traitement (nom, coordonnées, DPO) n’est pas déclaré : le registre ne peut pas le nommer (art. 30(1)(a))',
    DPO_CONTACT_MISSING: () =>
      'Le registre ne donne pas les coordonnées d’un délégué à la protection des données (art. 30(1)(a), art. 37)',
    EU_REPRESENTATIVE_MISSING: () =>
      'Le responsable est établi hors de l’UE mais ne désigne pas de représentant dans l’Union (art. 27)',
    PROCESSOR_AGREEMENT_MISSING: (a) =>
      `Le système ${a.system} est opéré par le sous-traitant ${a.processor} sans contrat de sous-traitance signé (art. 28(3))`,
    TRANSFER_WITHOUT_MECHANISM: (a) =>
      `Le sous-traitant ${a.processor} transfère des données vers ${a.countries} sans outil de transfert (art. 44 à 49)`,
    PROCESSOR_AGREEMENT_REVIEW_OVERDUE: (a) =>
      `Le contrat avec le sous-traitant ${a.processor} devait être revu le ${a.reviewOn}`,
    DECLARED_TRANSFERS_MISMATCH: (a) =>
      `Les transferts déclarés pour la finalité ${a.purpose} ne correspondent pas à ses sous-traitants : non déclarés ${a.undeclared} ; déclarés sans sous-traitant qui y transfère ${a.unfounded}`,
    ARCHIVE_PHASE_WITHOUT_LEGAL_REASON: (a) =>
      `La finalité active ${a.purpose} conserve des données ${a.duration} en archivage intermédiaire sans en donner le motif légal (prescription, obligation légale)`,
  },
};

function gap(
  lang: ReportLang,
  code: GapCode,
  args: Record<string, string | number>,
  object: ComplianceGap['object'],
  link: string,
  details?: Record<string, unknown>,
): ComplianceGap {
  return {
    code,
    severity: GAP_SEVERITY[code],
    message: MESSAGES[lang][code](args),
    link,
    object,
    ...(details ? { details } : {}),
  };
}

/** Gaps in the declaration of active purposes (legal basis, its justification, retention, transfers). */
export function purposeGaps(purposes: PurposeView[], lang: ReportLang): ComplianceGap[] {
  const gaps: ComplianceGap[] = [];
  for (const p of purposes) {
    if (p.status !== PurposeStatus.Active) continue;
    const obj = { type: 'purpose' as const, id: p.code };
    const link = LINKS.purpose(p.code);
    if (!p.legalBasis) gaps.push(gap(lang, GapCode.PurposeWithoutLegalBasis, { purpose: p.code }, obj, link));
    if (p.legalBasis === LegalBasis.LegitimateInterests && !p.legitimateInterest?.trim()) {
      gaps.push(gap(lang, GapCode.LegitimateInterestNotJustified, { purpose: p.code }, obj, link));
    }
    if (!p.retention) gaps.push(gap(lang, GapCode.PurposeWithoutRetention, { purpose: p.code }, obj, link));
    const archive = p.retention?.archive;
    if (archive && !archive.legalReason?.trim()) {
      gaps.push(
        gap(
          lang,
          GapCode.ArchivePhaseWithoutLegalReason,
          { purpose: p.code, duration: archive.duration },
          obj,
          link,
        ),
      );
    }
    const unsafe = (p.internationalTransfers ?? []).filter((t) => !t.safeguard?.trim());
    if (unsafe.length) {
      const countries = [...new Set(unsafe.map((t) => t.country))];
      gaps.push(
        gap(
          lang,
          GapCode.TransferWithoutSafeguard,
          { purpose: p.code, countries: countries.join(', ') },
          obj,
          link,
          {
            countries,
          },
        ),
      );
    }
  }
  return gaps;
}

/** A consent-based active purpose that access checks used, while no consent was ever recorded for it. */
export function consentGap(purpose: PurposeView, decisions: number, lang: ReportLang): ComplianceGap {
  return gap(
    lang,
    GapCode.ConsentWithoutRecords,
    { purpose: purpose.code, decisions },
    { type: 'purpose', id: purpose.code },
    LINKS.purpose(purpose.code),
    { decisions },
  );
}

/** Field-level gaps: no active purpose; special category used for a purpose without an art. 9 condition. */
export function fieldGaps(
  field: InventoryFieldView,
  activeByCode: Map<string, PurposeView>,
  lang: ReportLang,
): ComplianceGap[] {
  const gaps: ComplianceGap[] = [];
  const obj = { type: 'field' as const, id: field.key };
  const active = field.purposeCodes.map((c) => activeByCode.get(c)).filter((p): p is PurposeView => !!p);
  if (active.length === 0) {
    gaps.push(
      gap(lang, GapCode.FieldWithoutActivePurpose, { field: field.key }, obj, LINKS.field(field.key), {
        purposeCodes: field.purposeCodes,
      }),
    );
  }
  if (field.flags?.includes('not_null_column_on_nullify')) {
    gaps.push(
      gap(lang, GapCode.FieldStrategyNotApplicable, { field: field.key }, obj, LINKS.field(field.key), {
        column: field.column,
      }),
    );
  }
  if (field.special) {
    for (const p of active) {
      if (p.specialCategoryCondition) continue;
      gaps.push(
        gap(
          lang,
          GapCode.SpecialCategoryWithoutCondition,
          { field: field.key, purpose: p.code },
          { type: 'purpose', id: p.code },
          LINKS.purpose(p.code),
          { field: field.key, dataCategory: field.dataCategory },
        ),
      );
    }
  }
  return gaps;
}

export function unregisteredColumnGap(c: UnregisteredColumnView, lang: ReportLang): ComplianceGap {
  return gap(
    lang,
    GapCode.UnregisteredColumn,
    { column: c.column, system: c.systemKey, dataset: c.datasetKey },
    { type: 'dataset', id: `${c.systemKey}/${c.datasetKey}` },
    LINKS.system(c.systemKey),
    { system: c.systemKey, dataset: c.datasetKey, column: c.column, scannedAt: c.scannedAt },
  );
}

export function overdueGap(row: OverdueRow, lang: ReportLang): ComplianceGap | null {
  if (row.count <= 0) return null;
  return gap(
    lang,
    GapCode.OverdueData,
    { count: row.count, system: row.systemKey, dataset: row.datasetKey },
    { type: 'dataset', id: `${row.systemKey}/${row.datasetKey}` },
    LINKS.dataset(row.systemKey, row.datasetKey),
    { ...row },
  );
}

export function neverScannedGap(system: InventorySystemView, lang: ReportLang): ComplianceGap | null {
  if (!system.scannable || system.lastScannedAt) return null;
  return gap(
    lang,
    GapCode.SystemNeverScanned,
    { system: system.key },
    { type: 'system', id: system.key },
    LINKS.system(system.key),
  );
}

/**
 * Gaps in the organisation-level part of the record (art. 30(1)(a)): not declared at all (one gap,
 * which covers the DPO too), no DPO contact, or no EU representative for a controller established
 * outside the Union (art. 27).
 */
export function organisationGaps(o: OrganisationView | null, lang: ReportLang): ComplianceGap[] {
  const obj = { type: 'organisation' as const, id: 'controller' };
  const link = LINKS.organisation();
  if (!o) return [gap(lang, GapCode.OrganisationNotDeclared, {}, obj, link)];
  const gaps: ComplianceGap[] = [];
  if (!o.dpo?.contact.trim()) gaps.push(gap(lang, GapCode.DpoContactMissing, {}, obj, link));
  if (!o.establishedInEu && !o.representative?.contact.trim()) {
    gaps.push(gap(lang, GapCode.EuRepresentativeMissing, {}, obj, link));
  }
  return gaps;
}

/** A system operated by a processor with no signed agreement (art. 28(3)). */
export function processorAgreementGap(
  system: InventorySystemView,
  processor: ProcessorView | undefined,
  lang: ReportLang,
): ComplianceGap | null {
  if (!system.processorCode || !processor || processor.agreement?.signedOn) return null;
  return gap(
    lang,
    GapCode.ProcessorAgreementMissing,
    { system: system.key, processor: processor.code },
    { type: 'system', id: system.key },
    LINKS.processor(processor.code),
    { system: system.key, processor: processor.code },
  );
}

/** A processor's transfers outside the EEA with no mechanism, and its agreement's review date past. */
export function processorGaps(processor: ProcessorView, today: string, lang: ReportLang): ComplianceGap[] {
  const gaps: ComplianceGap[] = [];
  const obj = { type: 'processor' as const, id: processor.code };
  const link = LINKS.processor(processor.code);
  const uncovered = processor.transfers.filter((t) => !t.mechanism);
  if (uncovered.length) {
    const countries = [...new Set(uncovered.map((t) => t.country))].sort();
    gaps.push(
      gap(
        lang,
        GapCode.TransferWithoutMechanism,
        { processor: processor.code, countries: countries.join(', ') },
        obj,
        link,
        { countries, subProcessors: [...new Set(uncovered.map((t) => t.subProcessor).filter(Boolean))] },
      ),
    );
  }
  const reviewOn = processor.agreement?.reviewOn;
  if (reviewOn && reviewOn < today) {
    gaps.push(
      gap(lang, GapCode.ProcessorAgreementReviewOverdue, { processor: processor.code, reviewOn }, obj, link, {
        reviewOn,
      }),
    );
  }
  return gaps;
}

/** An active purpose whose declared transfers disagree with those derived from its processors. */
export function transferMismatchGap(
  purpose: PurposeView,
  derived: DerivedTransfer[],
  mismatch: { undeclared: string[]; unfounded: string[] },
  lang: ReportLang,
): ComplianceGap {
  const none = lang === 'fr' ? 'aucun' : 'none';
  return gap(
    lang,
    GapCode.DeclaredTransfersMismatch,
    {
      purpose: purpose.code,
      undeclared: mismatch.undeclared.join(', ') || none,
      unfounded: mismatch.unfounded.join(', ') || none,
    },
    { type: 'purpose', id: purpose.code },
    LINKS.purpose(purpose.code),
    { ...mismatch, derived: [...new Set(derived.map((t) => t.country))].sort() },
  );
}
