/** Vocabulary and pure rules of consent (art. 7) and restriction / objection (art. 18, 21). */

export enum ConsentStatus {
  Granted = 'granted',
  Withdrawn = 'withdrawn',
}

export enum RestrictionKind {
  /** Art. 18: the data may be stored but not otherwise used. */
  Restriction = 'restriction',
  /** Art. 21: the subject objects to processing for these purposes. */
  Objection = 'objection',
}

/** In-process event emitted after a withdrawal commits (the retention engine listens). */
export const CONSENT_WITHDRAWN_EVENT = 'consent.withdrawn';

export interface ConsentWithdrawnEvent {
  subjectId: string;
  purposeCode: string;
  withdrawnAt: Date;
}

/** Subject ids: 1–200 printable characters (no control or format characters), no surrounding spaces. */
export const SUBJECT_ID_MAX_LENGTH = 200;
const SUBJECT_ID_PATTERN = /^(?! )[^\p{C}]{1,200}(?<! )$/u;

export function isValidSubjectId(value: unknown): value is string {
  return typeof value === 'string' && SUBJECT_ID_PATTERN.test(value);
}

/** Largest accepted proof, serialised (it is evidence, not a document store). */
export const PROOF_MAX_BYTES = 8 * 1024;

export function proofTooLarge(proof: unknown): boolean {
  return Buffer.byteLength(JSON.stringify(proof ?? {}), 'utf8') > PROOF_MAX_BYTES;
}

/** A timestamp may be backdated (imports) but not in the future beyond clock skew. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Consent and restriction state of one subject, as the access check needs it. */
export interface SubjectState {
  /** Current consent status per purpose code. */
  consents: Map<string, { status: ConsentStatus; purposeVersion: number }>;
  /** Active restrictions/objections; purposeCodes null means every purpose. */
  restrictions: { id: string; kind: RestrictionKind; purposeCodes: string[] | null }[];
  /**
   * Purposes whose active phase is over for the subject (the retention engine's archive ledger,
   * subject_archive_phase), with the end of the archive phase; only phases still running when read.
   */
  archived: Map<string, Date>;
}

/** The active restriction that covers a purpose (or any of its ancestors), if any. */
export function restrictionCovering(
  state: SubjectState,
  purposeChain: readonly string[],
): SubjectState['restrictions'][number] | undefined {
  return state.restrictions.find(
    (r) => r.purposeCodes === null || r.purposeCodes.some((code) => purposeChain.includes(code)),
  );
}
