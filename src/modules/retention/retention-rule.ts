import { describeDuration, IsoDuration, parseIsoDuration } from '../../common/time/iso-duration';
import type { Anonymisation, RetentionDatasetPlan } from '../inventory/inventory.types';

/** What the rule derivation needs to know of a purpose (its effective declaration). */
export interface PurposeFacts {
  /** Absent in unit fixtures; needed only to write the archive ledger (subject_archive_phase). */
  id?: string;
  code: string;
  status: string;
  legalBasis: string | null;
  retention: {
    duration: string;
    trigger: string;
    archive?: { duration: string; legalReason?: string | null } | null;
  } | null;
}

/** A purpose's intermediate archive phase, after its active one (ADR 0052). */
export interface ArchivePhase {
  duration: IsoDuration;
  durationText: string;
  legalReason: string | null;
}

/** When one purpose stops justifying a field, for one row. */
export type PurposeExpiry =
  /** `column + duration < now`; consent-based purposes also end at once on withdrawal. */
  | {
      kind: 'time';
      column: string;
      trigger: string;
      duration: IsoDuration;
      durationText: string;
      endsOnWithdrawal: boolean;
      /**
       * `last_interaction` with a subject column: contacts recorded in Finalité restart the clock
       * for the subject (ADR 0051): interactions, and for a consent-based purpose its latest grant
       * or renewal. The row's column is then only the earliest the clock may start.
       */
      contacts: 'none' | 'interactions' | 'interactions_and_consent';
      /** Values are moved to the dataset's archive table for this long once the phase ends. */
      archive?: ArchivePhase | null;
    }
  /** `withdrawnAt + duration < now` for the row's subject (trigger consent_withdrawal). */
  | { kind: 'after_withdrawal'; duration: IsoDuration; durationText: string }
  /**
   * A consent-based purpose whose time expiry cannot be proven (no retention declared, an invalid
   * duration, no trigger column): it never expires by time, but ends at once for a subject who
   * has withdrawn consent (consent is its only justification).
   */
  | { kind: 'on_withdrawal'; reason: string }
  /** Already over (erasure request: only a legal obligation still justifies keeping). */
  | { kind: 'now' }
  /** Cannot be proven expired (no retention declared, no trigger column, no subject column). */
  | { kind: 'never'; reason: string };

export interface PurposeKeep {
  purposeCode: string;
  legalBasis: string | null;
  expiry: PurposeExpiry;
}

export type FieldState =
  /** Bound to active purposes: due when each of them has expired for the row. */
  | 'bound'
  /**
   * Bound only to retired purposes (the register flags it `only_retired_purposes`): nothing
   * justifies it any more, due now.
   */
  | 'no_active_purpose'
  /**
   * Bound to no active purpose but not only to retired ones: a draft (data registered for a use
   * not started yet) or a purpose the register does not know. Nothing proves the data is no
   * longer needed, so it is never due (deleting is irreversible, ADR 0032).
   */
  | 'not_in_use'
  /** Bound to no purpose at all: an inventory gap, reported and never purged automatically. */
  | 'unbound';

export interface FieldRule {
  key: string;
  column: string;
  dataCategory: string;
  anonymisation: Anonymisation;
  state: FieldState;
  keeps: PurposeKeep[];
}

export interface DatasetRule {
  systemCode: string;
  datasetId: string;
  datasetName: string;
  schema: string;
  table: string;
  primaryKey: string[];
  subjectColumn: string | null;
  fields: FieldRule[];
  /** Purposes whose consent withdrawals decide expiry (fetched per run from the consents). */
  withdrawalPurposes: string[];
  /** Purposes whose clock contacts recorded in Finalité restart (fetched per run). */
  contactPurposes: { purposeCode: string; duration: IsoDuration; consentGrants: boolean }[];
  /** Kept by a legal obligation despite an erasure request (reported with the reason). */
  legalObligationKeeps: { purposeCode: string; fields: string[] }[];
  /** The intermediate archive (ADR 0052): null when neither declared nor needed. */
  archive: ArchiveRule | null;
}

export interface ArchiveRule {
  /** The dataset's archive table (`schema`, `table`), null when it declares none. */
  schema: string | null;
  table: string | null;
  /** Fields a purpose with an archive phase keeps: their values move (key columns excepted). */
  fieldKeys: string[];
  /** Those purposes (ids for the subject_archive_phase ledger). */
  purposes: { code: string; id: string | null }[];
}

export interface RuleOptions {
  /** Art. 17 erasure: every purpose ends now except legal obligations. */
  erasure?: boolean;
}

const TRIGGER_COLUMN: Record<string, 'collection' | 'lastInteraction' | 'contractEnd'> = {
  collection: 'collection',
  last_interaction: 'lastInteraction',
  contract_end: 'contractEnd',
};

/** Derives, from the register, when each field of a dataset becomes due (docs/retention.md). */
export function buildDatasetRule(
  plan: RetentionDatasetPlan,
  purposes: ReadonlyMap<string, PurposeFacts>,
  options: RuleOptions = {},
): DatasetRule {
  const withdrawalPurposes = new Set<string>();
  const contactPurposes = new Map<string, DatasetRule['contactPurposes'][number]>();
  const legalKeeps = new Map<string, string[]>();
  const fields = plan.fields.map((field): FieldRule => {
    const active = field.bindings
      .map((b) => purposes.get(b.purposeCode))
      .filter((p): p is PurposeFacts => !!p && p.status === 'active');
    const state = fieldState(field.bindings.map((b) => purposes.get(b.purposeCode)?.status));
    const keeps = active
      .map((p) => ({ purposeCode: p.code, legalBasis: p.legalBasis, expiry: expiryOf(p, plan, options) }))
      .sort((a, b) => a.purposeCode.localeCompare(b.purposeCode));
    for (const k of keeps) {
      if (
        (k.expiry.kind === 'time' && k.expiry.endsOnWithdrawal) ||
        k.expiry.kind === 'after_withdrawal' ||
        k.expiry.kind === 'on_withdrawal'
      ) {
        withdrawalPurposes.add(k.purposeCode);
      }
      if (k.expiry.kind === 'time' && k.expiry.contacts !== 'none') {
        contactPurposes.set(k.purposeCode, {
          purposeCode: k.purposeCode,
          duration: k.expiry.duration,
          consentGrants: k.expiry.contacts === 'interactions_and_consent',
        });
      }
      if (options.erasure && k.legalBasis === 'legal_obligation') {
        legalKeeps.set(k.purposeCode, [...(legalKeeps.get(k.purposeCode) ?? []), field.key]);
      }
    }
    return {
      key: field.key,
      column: field.column,
      dataCategory: field.dataCategory,
      anonymisation: chooseAnonymisation(field),
      state,
      keeps,
    };
  });
  return {
    systemCode: plan.system.code,
    datasetId: plan.dataset.id,
    datasetName: plan.dataset.name,
    schema: plan.dataset.schema,
    table: plan.dataset.table,
    primaryKey: plan.dataset.primaryKey,
    subjectColumn: plan.dataset.subjectColumn,
    fields,
    withdrawalPurposes: [...withdrawalPurposes].sort(),
    contactPurposes: [...contactPurposes.values()].sort((a, b) => a.purposeCode.localeCompare(b.purposeCode)),
    legalObligationKeeps: [...legalKeeps].map(([purposeCode, f]) => ({ purposeCode, fields: f })),
    archive: archiveRuleOf(plan, fields, purposes),
  };
}

/**
 * The fields that move to the archive and the purposes that move them: a field moves when one of
 * its time-bound purposes declares an archive phase. An archive table declared with no such
 * purpose still has its expired rows deleted.
 */
function archiveRuleOf(
  plan: RetentionDatasetPlan,
  fields: FieldRule[],
  purposes: ReadonlyMap<string, PurposeFacts>,
): ArchiveRule | null {
  const codes = new Set<string>();
  const fieldKeys: string[] = [];
  for (const f of fields) {
    const archived = f.keeps.filter((k) => k.expiry.kind === 'time' && k.expiry.archive);
    if (archived.length === 0 || f.state !== 'bound') continue;
    if (!plan.dataset.primaryKey.includes(f.column)) fieldKeys.push(f.key);
    for (const k of archived) codes.add(k.purposeCode);
  }
  const declared = plan.dataset.archiveTable ?? null;
  if (!declared && codes.size === 0) return null;
  const dot = declared ? declared.indexOf('.') : -1;
  return {
    schema: declared ? declared.slice(0, dot) : null,
    table: declared ? declared.slice(dot + 1) : null,
    fieldKeys,
    purposes: [...codes].sort().map((code) => ({ code, id: purposes.get(code)?.id ?? null })),
  };
}

/**
 * Only a retirement ends what a binding justifies: a field is due now only when every purpose
 * bound to it is retired. A draft is not in use yet, and an unknown purpose proves nothing.
 */
function fieldState(statuses: (string | undefined)[]): FieldState {
  if (statuses.length === 0) return 'unbound';
  if (statuses.includes('active')) return 'bound';
  return statuses.every((s) => s === 'retired') ? 'no_active_purpose' : 'not_in_use';
}

function expiryOf(p: PurposeFacts, plan: RetentionDatasetPlan, options: RuleOptions): PurposeExpiry {
  if (options.erasure && p.legalBasis !== 'legal_obligation') return { kind: 'now' };
  // A consent-based purpose ends for a subject who withdraws, whatever its time rule: when the
  // time rule cannot be proven, the withdrawal is still the end of its justification (per subject).
  const unproven = (reason: string): PurposeExpiry =>
    p.legalBasis === 'consent' && plan.dataset.subjectColumn
      ? { kind: 'on_withdrawal', reason }
      : { kind: 'never', reason };
  if (!p.retention) return unproven(`purpose ${p.code} declares no retention`);
  let duration: IsoDuration;
  try {
    duration = parseIsoDuration(p.retention.duration);
  } catch {
    const reason = `purpose ${p.code} has an invalid retention duration`;
    // "D after withdrawal" with D unknown must not become "at withdrawal": uncertainty keeps data.
    if (p.retention.trigger === 'consent_withdrawal') return { kind: 'never', reason };
    return unproven(reason);
  }
  const durationText = describeDuration(duration);
  if (p.retention.trigger === 'consent_withdrawal') {
    if (!plan.dataset.subjectColumn) {
      return { kind: 'never', reason: `no subject column to match consent withdrawals for ${p.code}` };
    }
    return { kind: 'after_withdrawal', duration, durationText };
  }
  const columnKey = TRIGGER_COLUMN[p.retention.trigger];
  const column = columnKey ? plan.dataset.timestampColumns[columnKey] : undefined;
  if (!column) {
    return unproven(`the dataset declares no ${p.retention.trigger} column for purpose ${p.code}`);
  }
  return {
    kind: 'time',
    column,
    trigger: p.retention.trigger,
    duration,
    durationText,
    endsOnWithdrawal: p.legalBasis === 'consent' && !!plan.dataset.subjectColumn,
    contacts: contactsOf(p, plan),
    archive: archivePhaseOf(p),
  };
}

/** The declared archive phase (an invalid duration: none, as the DTO never lets one in). */
function archivePhaseOf(p: PurposeFacts): ArchivePhase | null {
  const a = p.retention?.archive;
  if (!a) return null;
  try {
    const duration = parseIsoDuration(a.duration);
    return { duration, durationText: describeDuration(duration), legalReason: a.legalReason ?? null };
  } catch {
    return null;
  }
}

/**
 * Which contacts recorded in Finalité restart a `last_interaction` clock: a fresh opt-in is the
 * clearest contact a subject makes, so a consent-based purpose counts its grants and renewals;
 * every such purpose counts the interactions applications record. Needs a subject column.
 */
function contactsOf(
  p: PurposeFacts,
  plan: RetentionDatasetPlan,
): Extract<PurposeExpiry, { kind: 'time' }>['contacts'] {
  if (p.retention?.trigger !== 'last_interaction' || !plan.dataset.subjectColumn) return 'none';
  return p.legalBasis === 'consent' ? 'interactions_and_consent' : 'interactions';
}

/** A binding's strategy wins over the field's (first binding by purpose code, for determinism). */
function chooseAnonymisation(field: RetentionDatasetPlan['fields'][number]): Anonymisation {
  const fromBinding = [...field.bindings]
    .sort((a, b) => a.purposeCode.localeCompare(b.purposeCode))
    .find((b) => b.anonymisation)?.anonymisation;
  return fromBinding ?? field.anonymisation ?? { strategy: 'nullify' as Anonymisation['strategy'] };
}

/** The effective rule of one field in plain words (the register view, webhooks, manual tasks). */
export function describeFieldRule(field: FieldRule, rowDeletedWhenAllDue = true): string {
  const what = `${field.column}: ${strategyWords(field.anonymisation)}${rowDeletedWhenAllDue ? ' (the row is deleted once all its fields are due)' : ''}`;
  if (field.state === 'unbound') return `${field.column}: never purged automatically (bound to no purpose)`;
  if (field.state === 'no_active_purpose') return `${what} now: no active purpose justifies it`;
  if (field.state === 'not_in_use') {
    return `${field.column}: never purged automatically (no active purpose yet: a draft is not in use)`;
  }
  const conditions = field.keeps.map((k) => keepWords(k));
  return `${what} once ${conditions.join(', and ')}`;
}

function keepWords(k: PurposeKeep): string {
  const e = k.expiry;
  switch (e.kind) {
    case 'time':
      return `${e.durationText} have passed since ${e.column}${contactWords(k)} (${k.purposeCode})${e.endsOnWithdrawal ? ` or consent for ${k.purposeCode} is withdrawn` : ''}${archiveWords(e.archive)}`;
    case 'after_withdrawal':
      return `${e.durationText} have passed since consent for ${k.purposeCode} was withdrawn`;
    case 'on_withdrawal':
      return `consent for ${k.purposeCode} is withdrawn (no time limit: ${e.reason})`;
    case 'now':
      return `immediately for ${k.purposeCode} (erasure request)`;
    case 'never':
      return `never: ${e.reason}`;
  }
}

/** The archive phase in words (ADR 0052): the values move, then are deleted at its end. */
function archiveWords(a: ArchivePhase | null | undefined): string {
  if (!a) return '';
  return `, its values first kept ${a.durationText} more in the intermediate archive${a.legalReason ? ` (${a.legalReason})` : ' (no legal reason declared)'} and then deleted`;
}

function contactWords(k: PurposeKeep): string {
  if (k.expiry.kind !== 'time' || k.expiry.contacts === 'none') return '';
  const grants =
    k.expiry.contacts === 'interactions_and_consent'
      ? `consent to ${k.purposeCode} granted or renewed, or `
      : '';
  return ` and since the subject's latest contact recorded in Finalité (${grants}an interaction recorded for the subject)`;
}

function strategyWords(a: Anonymisation): string {
  switch (a.strategy as string) {
    case 'nullify':
      return 'erased (set to null)';
    case 'hash':
      return 'replaced by a keyed hash';
    case 'generalise':
      return 'generalised';
    case 'fixed':
      return `replaced by "${a.value ?? ''}"`;
    default:
      return 'anonymised';
  }
}
