/**
 * Why a field is allowed or denied. A denied field carries the FIRST failing rule, in exactly
 * this order (docs/access-check.md); the order is part of the API.
 */
export enum AccessReason {
  Allowed = 'ALLOWED',
  PurposeUnknown = 'PURPOSE_UNKNOWN',
  PurposeNotActive = 'PURPOSE_NOT_ACTIVE',
  ApplicationNotAuthorised = 'APPLICATION_NOT_AUTHORISED',
  FieldUnknown = 'FIELD_UNKNOWN',
  FieldNotBoundToPurpose = 'FIELD_NOT_BOUND_TO_PURPOSE',
  ActionNotAllowed = 'ACTION_NOT_ALLOWED',
  ConsentRequired = 'CONSENT_REQUIRED',
  ConsentMissing = 'CONSENT_MISSING',
  ConsentWithdrawn = 'CONSENT_WITHDRAWN',
  SubjectRestricted = 'SUBJECT_RESTRICTED',
  /** Active-phase check: the purpose's active phase is over for the subject (archive ledger). */
  Archived = 'ARCHIVED',
  /** Archive-phase check: the application holds no archive grant on the purpose. */
  ArchiveAccessNotAuthorised = 'ARCHIVE_ACCESS_NOT_AUTHORISED',
  /** Archive-phase check without a justification. */
  ArchiveJustificationMissing = 'ARCHIVE_JUSTIFICATION_MISSING',
  /** Archive-phase check without a subject: the archive phase is known per subject only. */
  ArchiveSubjectRequired = 'ARCHIVE_SUBJECT_REQUIRED',
  /** Archive-phase check on a subject whose data is not in the purpose's archive phase. */
  NotArchived = 'NOT_ARCHIVED',
}

/** Which life-cycle phase of the data a check asks for (issue 15; ADR 0054). */
export enum AccessPhase {
  Active = 'active',
  Archive = 'archive',
}

export const DENIAL_REASONS = Object.values(AccessReason).filter((r) => r !== AccessReason.Allowed);

export type AccessOutcome = 'allow' | 'deny' | 'partial';

/** allow when every field is allowed, deny when none is, partial otherwise. */
export function combineOutcome(fields: readonly { allowed: boolean }[]): AccessOutcome {
  const allowed = fields.filter((f) => f.allowed).length;
  if (fields.length > 0 && allowed === fields.length) return 'allow';
  return allowed === 0 ? 'deny' : 'partial';
}
