import { AccessOutcome, AccessPhase, AccessReason, combineOutcome } from './access-reason';
import type { CompiledAccessPolicy, CompiledPurpose } from './compiled-access-policy';

export interface AccessRequest {
  purpose: string;
  action: string;
  fields: string[];
  subjectId?: string;
  /** Absent means active: the ordinary use of data in the active base. */
  phase?: AccessPhase;
  /** Archive phase: why the archive is reached (trimmed; empty counts as missing). */
  justification?: string;
}

/** The per-subject facts the subject rules need (looked up only when a field gets that far). */
export interface SubjectFacts {
  consents: Map<string, { status: string; purposeVersion: number }>;
  restrictions: { id: string; kind: string; purposeCodes: string[] | null }[];
  /** Purposes in archive phase for the subject (archive ledger), with the end of that phase. */
  archived: Map<string, Date>;
}

export interface TrailStep {
  /** The reason code this rule yields when it fails. */
  rule: AccessReason;
  outcome: 'pass' | 'fail' | 'not_applicable';
  detail: string;
}

export interface FieldVerdict {
  field: string;
  allowed: boolean;
  reason: AccessReason;
  obligation?: string;
  trail?: TrailStep[];
}

export interface AccessEvaluation {
  decision: AccessOutcome;
  purpose: { code: string; version: number | null };
  fields: FieldVerdict[];
  policyRevision: number;
}

export interface EvaluationContext {
  /** The caller's ability allows deciding for this purpose (APPLICATION_NOT_AUTHORISED otherwise). */
  authorised: boolean;
  /** Required when request.subjectId is set and needsSubjectFacts() said so. */
  subject?: SubjectFacts;
  /** Archive phase only: the caller holds an archive grant on this purpose. */
  archiveAuthorised?: boolean;
  /** Build the rule trail (explain); checks skip it. */
  trail?: boolean;
  /** The evaluation time (an archive phase runs until archive_until). */
  now?: Date;
}

/**
 * True when a subject id is given and at least one field passes the register rules, i.e.
 * the consent/restriction lookup can change the answer (otherwise it is skipped entirely).
 */
export function needsSubjectFacts(
  policy: CompiledAccessPolicy,
  request: AccessRequest,
  authorised: boolean,
  archiveAuthorised = false,
): boolean {
  if (request.subjectId === undefined || !authorised) return false;
  if (isArchivePhase(request) && (!archiveAuthorised || !request.justification)) return false;
  const purpose = policy.purposes.get(request.purpose);
  if (!purpose || purpose.status !== 'active') return false;
  return request.fields.some(
    (f) =>
      policy.fields.has(f) &&
      purpose.bindings.has(f) &&
      purpose.fieldAbility.can(request.action, 'PersonalField', f),
  );
}

/**
 * Evaluates one access request. Each field is checked against the rules in the documented
 * order and carries the first failing reason; obligations come back only on allowed fields.
 */
export function evaluateAccess(
  policy: CompiledAccessPolicy,
  request: AccessRequest,
  context: EvaluationContext,
): AccessEvaluation {
  const purpose = policy.purposes.get(request.purpose);
  const fields = request.fields.map((field) => evaluateField(policy, purpose, request, field, context));
  return {
    decision: combineOutcome(fields),
    purpose: { code: request.purpose, version: purpose?.version ?? null },
    fields,
    policyRevision: policy.revision,
  };
}

function evaluateField(
  policy: CompiledAccessPolicy,
  purpose: CompiledPurpose | undefined,
  request: AccessRequest,
  field: string,
  context: EvaluationContext,
): FieldVerdict {
  const trail: TrailStep[] | undefined = context.trail ? [] : undefined;
  const step = (rule: AccessReason, ok: boolean, detail: string, applicable = true): boolean => {
    trail?.push({ rule, outcome: !applicable ? 'not_applicable' : ok ? 'pass' : 'fail', detail });
    return ok;
  };
  const deny = (reason: AccessReason): FieldVerdict => ({
    field,
    allowed: false,
    reason,
    ...(trail ? { trail } : {}),
  });

  if (!step(AccessReason.PurposeUnknown, !!purpose, describePurpose(request.purpose, purpose))) {
    return deny(AccessReason.PurposeUnknown);
  }
  const p = purpose!;
  if (!step(AccessReason.PurposeNotActive, p.status === 'active', `purpose status is ${p.status}`)) {
    return deny(AccessReason.PurposeNotActive);
  }
  if (
    !step(
      AccessReason.ApplicationNotAuthorised,
      context.authorised,
      context.authorised
        ? `the caller is authorised for "${p.code}"`
        : `the caller is not authorised for "${p.code}"`,
    )
  ) {
    return deny(AccessReason.ApplicationNotAuthorised);
  }
  const archive = isArchivePhase(request);
  if (archive) {
    const granted = context.archiveAuthorised === true;
    if (
      !step(
        AccessReason.ArchiveAccessNotAuthorised,
        granted,
        granted
          ? `the caller holds an archive grant on "${p.code}"`
          : `the caller holds no archive grant on "${p.code}" (archivePurposeCodes)`,
      )
    ) {
      return deny(AccessReason.ArchiveAccessNotAuthorised);
    }
    if (
      !step(
        AccessReason.ArchiveJustificationMissing,
        !!request.justification,
        request.justification ? 'justification given (recorded)' : 'archive access needs a justification',
      )
    ) {
      return deny(AccessReason.ArchiveJustificationMissing);
    }
  }
  const known = policy.fields.get(field);
  if (
    !step(
      AccessReason.FieldUnknown,
      !!known,
      known
        ? `field is ${known.systemCode} ${known.dataset}.${known.column} (${known.dataCategory}${known.special ? ', special category' : ''})`
        : `no field "${field}" in the inventory`,
    )
  ) {
    return deny(AccessReason.FieldUnknown);
  }
  const binding = p.bindings.get(field);
  const withheldBy = p.withheld.get(field);
  if (
    !step(
      AccessReason.FieldNotBoundToPurpose,
      !!binding,
      binding
        ? binding.inherited
          ? `bound to ancestor "${binding.boundTo}", which passes it to sub-purposes (appliesToSubPurposes)`
          : `bound to "${p.code}"`
        : withheldBy
          ? `bound to ancestor "${withheldBy}" without appliesToSubPurposes, so not usable by "${p.code}"`
          : `not bound to "${p.code}" or passed down by an ancestor`,
    )
  ) {
    return deny(AccessReason.FieldNotBoundToPurpose);
  }
  const actionAllowed = p.fieldAbility.can(request.action, 'PersonalField', field);
  if (
    !step(
      AccessReason.ActionNotAllowed,
      actionAllowed,
      `binding allows ${binding!.actions.join(', ') || 'no action'}; requested ${request.action}`,
    )
  ) {
    return deny(AccessReason.ActionNotAllowed);
  }

  if (archive) {
    if (
      !step(
        AccessReason.ArchiveSubjectRequired,
        request.subjectId !== undefined,
        request.subjectId !== undefined
          ? 'subject given'
          : 'the archive phase is known per subject: no subjectId given',
      )
    ) {
      return deny(AccessReason.ArchiveSubjectRequired);
    }
    const until = archivedUntil(context, p.code);
    if (
      !step(
        AccessReason.NotArchived,
        until !== undefined,
        until
          ? `in archive phase for "${p.code}" until ${until.toISOString()}`
          : `the subject's data is not in archive phase for "${p.code}"; ask an active-phase check`,
      )
    ) {
      return deny(AccessReason.NotArchived);
    }
    // The archive is kept for its legal reason (a legal obligation, evidence), not on consent.
    const basis = 'archive phase: kept for its legal reason, not on consent';
    step(AccessReason.ConsentRequired, true, basis, false);
    step(AccessReason.ConsentMissing, true, basis, false);
    step(AccessReason.ConsentWithdrawn, true, basis, false);
  } else if (p.requiresConsent) {
    if (
      !step(
        AccessReason.ConsentRequired,
        request.subjectId !== undefined,
        request.subjectId !== undefined
          ? 'consent-based purpose; subject given'
          : 'consent-based purpose and no subjectId given',
      )
    ) {
      return deny(AccessReason.ConsentRequired);
    }
    const consent = subjectFacts(context).consents.get(p.code);
    if (
      !step(AccessReason.ConsentMissing, !!consent, consent ? 'consent on record' : 'no consent on record')
    ) {
      return deny(AccessReason.ConsentMissing);
    }
    const granted = consent!.status === 'granted';
    if (
      !step(
        AccessReason.ConsentWithdrawn,
        granted,
        granted
          ? `consent granted (purpose version ${consent!.purposeVersion}; current ${p.version})`
          : 'consent withdrawn',
      )
    ) {
      return deny(AccessReason.ConsentWithdrawn);
    }
  } else {
    const basis = 'purpose is not consent-based';
    step(AccessReason.ConsentRequired, true, basis, false);
    step(AccessReason.ConsentMissing, true, basis, false);
    step(AccessReason.ConsentWithdrawn, true, basis, false);
  }

  if (request.subjectId !== undefined) {
    const restriction = subjectFacts(context).restrictions.find(
      (r) => r.purposeCodes === null || r.purposeCodes.some((c) => p.chain.includes(c)),
    );
    if (
      !step(
        AccessReason.SubjectRestricted,
        !restriction,
        restriction
          ? `${restriction.kind} ${restriction.id} covers ${restriction.purposeCodes ? restriction.purposeCodes.join(', ') : 'every purpose'}`
          : 'no active restriction or objection',
      )
    ) {
      return deny(AccessReason.SubjectRestricted);
    }
  } else {
    step(AccessReason.SubjectRestricted, true, 'no subject given', false);
  }

  if (!archive && request.subjectId !== undefined) {
    const until = archivedUntil(context, p.code);
    if (
      !step(
        AccessReason.Archived,
        until === undefined,
        until
          ? `the active phase of "${p.code}" is over for the subject; archived until ${until.toISOString()} (archive-phase check with a justification and an archive grant)`
          : 'not in archive phase',
      )
    ) {
      return deny(AccessReason.Archived);
    }
  } else if (!archive) {
    step(AccessReason.Archived, true, 'no subject given', false);
  }

  return {
    field,
    allowed: true,
    reason: AccessReason.Allowed,
    ...(binding!.obligation ? { obligation: binding!.obligation } : {}),
    ...(trail ? { trail } : {}),
  };
}

export function isArchivePhase(request: AccessRequest): boolean {
  return request.phase === AccessPhase.Archive;
}

/** End of the purpose's archive phase for the subject, when it is still running. */
function archivedUntil(context: EvaluationContext, purposeCode: string): Date | undefined {
  const until = subjectFacts(context).archived.get(purposeCode);
  const now = (context.now ?? new Date()).getTime();
  return until && until.getTime() > now ? until : undefined;
}

function subjectFacts(context: EvaluationContext): SubjectFacts {
  // Fail closed: a caller that forgot the lookup gets denials, never an allow.
  return context.subject ?? NO_FACTS_DENY;
}

/**
 * Treated as "no consent, restricted everywhere, archived nowhere" so a missing lookup can never
 * allow (an archive-phase check then fails NOT_ARCHIVED; an active one SUBJECT_RESTRICTED).
 */
const NO_FACTS_DENY: SubjectFacts = {
  consents: new Map(),
  restrictions: [{ id: 'state-not-loaded', kind: 'restriction', purposeCodes: null }],
  archived: new Map(),
};

function describePurpose(code: string, purpose: CompiledPurpose | undefined): string {
  return purpose
    ? `purpose "${code}" is in the register (version ${purpose.version})`
    : `no purpose "${code}" in the register`;
}
