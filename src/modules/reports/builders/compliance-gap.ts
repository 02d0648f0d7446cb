/**
 * What a compliance gap is: its code, its severity, its shape in the gaps report and the API
 * routes it points to. The rules that find gaps sit in the *-gap-rules.ts files beside this one.
 */
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
