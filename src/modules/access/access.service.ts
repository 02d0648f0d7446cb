import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorKind } from '../../common/errors/domain-error';
import { AbilityFactory, AppAbility, asSubject } from '../../policies/ability.factory';
import { AccessOutcome, AccessPhase, AccessReason } from './decision/access-reason';
import {
  AccessEvaluation,
  AccessRequest,
  evaluateAccess,
  isArchivePhase,
  needsSubjectFacts,
  SubjectFacts,
} from './decision/access-rules';
import type { CompiledAccessPolicy } from './decision/compiled-access-policy';
import { AccessMode, Action } from '../../policies/action.enum';
import { Forbidden } from '../../policies/policies.errors';
import type { Actor } from '../../policies/principal';
import { Role } from '../../policies/role.enum';
import type { AuditEventInput } from '../audit/audit-event.types';
import { AuditAccessSummaryService } from '../audit/audit-access-summary.service';
import { AuditService } from '../audit/audit.service';
import { SubjectStateService } from '../consents/subject-state.service';
import { PrincipalsService } from '../principals/principals.service';
import {
  assertBatchSize,
  AccessCheckUnavailable,
  AccessContextTooLarge,
  AccessSummaryRangeInvalid,
  ExplainApplicationUnknown,
  ExplainNotAllowed,
} from './access.errors';
import { CompiledPolicyService } from './compiled-policy.service';
import { AccessCheckDto, AccessExplainDto, MAX_CONTEXT_BYTES } from './dto/access-check.dto';
import type {
  AccessBatchResultDto,
  AccessDecisionDto,
  AccessExplanationDto,
  FieldExplanationDto,
} from './dto/access-decision.response.dto';

/** Audit event type of a decision; its payload keys are stable (reports aggregate them). */
export const ACCESS_DECISION_EVENT = 'access.decision';

export interface AccessSummaryRow {
  applicationId: string;
  applicationName: string;
  purposeCode: string;
  decision: string;
  count: number;
}

export interface AccessSummary {
  /** Every decision, whatever the phase asked for. */
  byApplicationPurposeOutcome: AccessSummaryRow[];
  /** The archive-phase decisions among them, counted apart (issue 15: not a normal use). */
  archiveAccesses: AccessSummaryRow[];
  topDenialReasons: { reason: AccessReason; count: number }[];
}

/**
 * The access check: evaluates requests against the compiled policy (no I/O) and the subject's
 * consent/restriction state (one indexed round-trip at most, cached), then records every
 * decision in the audit trail before answering. Any failure to load the policy, the subject
 * state or to record the decision is a 503: the check fails closed and never answers allow.
 */
@Injectable()
export class AccessService {
  constructor(
    private readonly policies: CompiledPolicyService,
    private readonly subjectState: SubjectStateService,
    private readonly audit: AuditService,
    private readonly auditSummary: AuditAccessSummaryService,
    private readonly principals: PrincipalsService,
    private readonly abilities: AbilityFactory,
  ) {}

  async check(dto: AccessCheckDto, actor: Actor, ability: AppAbility): Promise<AccessDecisionDto> {
    const [result] = await this.decide([dto], actor, ability);
    return result;
  }

  async checkBatch(
    checks: AccessCheckDto[],
    actor: Actor,
    ability: AppAbility,
  ): Promise<AccessBatchResultDto> {
    assertBatchSize(checks.length);
    return { results: await this.decide(checks, actor, ability) };
  }

  /**
   * The same evaluation for a DPO, with the rule trail behind each answer. Audited as
   * `access.explained`, never as an application decision; evaluated as `applicationId` when given.
   */
  async explain(dto: AccessExplainDto, actor: Actor, ability: AppAbility): Promise<AccessExplanationDto> {
    if (
      !ability.can(Action.Execute, asSubject('AccessDecision', { purpose: dto.purpose }), AccessMode.Explain)
    ) {
      throw new ExplainNotAllowed('Only a DPO may ask for an explanation');
    }
    const policy = await this.policies.current();
    const { authorised, archiveAuthorised } = dto.applicationId
      ? await this.applicationMayDecide(dto.applicationId, dto.purpose)
      : { authorised: true, archiveAuthorised: true };
    const request = toRequest(dto);
    const subjects = await this.subjectFacts(policy, [request], [authorised], [archiveAuthorised]);
    const evaluation = evaluateAccess(policy, request, {
      authorised,
      archiveAuthorised,
      subject: request.subjectId ? subjects.get(request.subjectId) : undefined,
      trail: true,
    });
    if (!dto.applicationId) {
      const skipped = [AccessReason.ApplicationNotAuthorised, AccessReason.ArchiveAccessNotAuthorised];
      for (const f of evaluation.fields) {
        for (const step of f.trail?.filter((s) => skipped.includes(s.rule)) ?? []) {
          Object.assign(step, { outcome: 'not_applicable', detail: 'no applicationId given' });
        }
      }
    }
    const evaluatedAt = new Date().toISOString();
    // Looking at a subject's consent state is itself recorded (not as a decision).
    await this.record([
      {
        type: 'access.explained',
        actor,
        purposeCode: dto.purpose,
        subjectId: dto.subjectId,
        payload: {
          decision: evaluation.decision,
          action: dto.action,
          fields: dto.fields,
          applicationId: dto.applicationId ?? null,
          policyRevision: evaluation.policyRevision,
          ...archiveRecord(request),
        },
      },
    ]);
    return {
      decision: evaluation.decision,
      fields: evaluation.fields as FieldExplanationDto[],
      purpose: evaluation.purpose,
      evaluatedAt,
      policyRevision: evaluation.policyRevision,
      applicationId: dto.applicationId ?? null,
      recordedAs: 'access.explained',
    };
  }

  /**
   * Decisions over [from, to) aggregated from the audit trail (for reports): per application,
   * purpose and outcome, and the most frequent denial reasons (counted per denied field).
   */
  async summarise(from: Date, to: Date): Promise<AccessSummary> {
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
      throw new AccessSummaryRangeInvalid('The period needs valid dates');
    }
    if (from.getTime() >= to.getTime()) {
      return { byApplicationPurposeOutcome: [], archiveAccesses: [], topDenialReasons: [] };
    }
    const [byOutcome, reasons] = await Promise.all([
      this.auditSummary.decisionCounts(ACCESS_DECISION_EVENT, from, to),
      this.auditSummary.topDenialReasons(ACCESS_DECISION_EVENT, from, to),
    ]);
    const all = new Map<string, AccessSummaryRow>();
    const archiveAccesses: AccessSummaryRow[] = [];
    for (const r of byOutcome) {
      const row = {
        applicationId: r.actorId,
        applicationName: r.actorName,
        purposeCode: r.purposeCode,
        decision: r.decision,
        count: r.count,
      };
      if (r.phase === (AccessPhase.Archive as string)) archiveAccesses.push({ ...row });
      // Rows come ordered by actor, purpose, decision, then phase: both phases fold into one.
      const key = `${r.actorId}\u0000${r.purposeCode}\u0000${r.decision}`;
      const seen = all.get(key);
      if (seen) seen.count += r.count;
      else all.set(key, row);
    }
    // The trail's `access.checked` events are written by this module only, with AccessReason codes.
    const topDenialReasons = reasons.map((r) => ({ reason: r.reason as AccessReason, count: r.count }));
    return { byApplicationPurposeOutcome: [...all.values()], archiveAccesses, topDenialReasons };
  }

  /** Decisions over [from, to) per UTC day and outcome, from the audit trail (the dashboard). */
  async decisionsPerDay(
    from: Date,
    to: Date,
  ): Promise<{ day: string; decision: AccessOutcome; count: number }[]> {
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
      throw new AccessSummaryRangeInvalid('The period needs valid dates');
    }
    if (from.getTime() >= to.getTime()) return [];
    const rows = await this.auditSummary.decisionsPerDay(ACCESS_DECISION_EVENT, from, to);
    // Written by this module only: `decision` is an AccessOutcome.
    return rows.map((r) => ({ ...r, decision: r.decision as AccessOutcome }));
  }

  private async decide(
    checks: AccessCheckDto[],
    actor: Actor,
    ability: AppAbility,
  ): Promise<AccessDecisionDto[]> {
    // The route's guard already refuses them; a recorded decision is an application's only.
    if (!ability.can(Action.Execute, 'AccessDecision', AccessMode.Check)) {
      throw new Forbidden('Only an application may ask for a recorded decision; use POST /access/explain');
    }
    for (const c of checks) assertContextSize(c);
    const policy = await this.policies.current();
    const requests = checks.map(toRequest);
    // Record-level rule from the rule table: the application may decide only for its purposes.
    const authorised = requests.map((r) =>
      ability.can(Action.Execute, asSubject('AccessDecision', { purpose: r.purpose }), AccessMode.Check),
    );
    // Reaching the archive needs the explicit grant as well (rule table: `execute archive`).
    const archiveAuthorised = requests.map(
      (r) =>
        isArchivePhase(r) &&
        ability.can(Action.Execute, asSubject('AccessDecision', { purpose: r.purpose }), AccessMode.Archive),
    );
    const subjects = await this.subjectFacts(policy, requests, authorised, archiveAuthorised);
    const evaluatedAt = new Date().toISOString();
    const decisions = requests.map((request, i) => {
      const evaluation = evaluateAccess(policy, request, {
        authorised: authorised[i],
        archiveAuthorised: archiveAuthorised[i],
        subject: request.subjectId ? subjects.get(request.subjectId) : undefined,
      });
      return toDecision(evaluation, evaluatedAt);
    });
    await this.record(
      decisions.map((d, i) => ({
        type: ACCESS_DECISION_EVENT,
        actor,
        purposeCode: checks[i].purpose,
        subjectId: checks[i].subjectId,
        target: { type: 'access_decision', id: d.decisionId },
        payload: {
          decision: d.decision,
          action: checks[i].action,
          fields: d.fields,
          policyRevision: d.policyRevision,
          context: checks[i].context ?? null,
          // Archive-phase decisions only (active ones keep their payload): the report counts them apart.
          ...archiveRecord(requests[i]),
        },
      })),
    );
    return decisions;
  }

  /** One round-trip for every subject whose state can change an answer. */
  private async subjectFacts(
    policy: CompiledAccessPolicy,
    requests: AccessRequest[],
    authorised: boolean[],
    archiveAuthorised: boolean[],
  ): Promise<Map<string, SubjectFacts>> {
    const ids = requests
      .filter((r, i) => needsSubjectFacts(policy, r, authorised[i], archiveAuthorised[i]))
      .map((r) => r.subjectId!);
    if (ids.length === 0) return new Map();
    try {
      return await this.subjectState.getMany(ids);
    } catch (e) {
      throw unavailable(e, 'The consent and restriction state cannot be read; no decision can be made');
    }
  }

  private async record(events: AuditEventInput[]): Promise<void> {
    try {
      await (events.length === 1 ? this.audit.append(events[0]) : this.audit.appendMany(events));
    } catch (e) {
      throw unavailable(e, 'The decision could not be recorded in the audit trail; it is not given');
    }
  }

  private async applicationMayDecide(
    applicationId: string,
    purpose: string,
  ): Promise<{ authorised: boolean; archiveAuthorised: boolean }> {
    let principal;
    try {
      principal = await this.principals.get(applicationId);
    } catch (e) {
      if (e instanceof DomainError && e.kind === ErrorKind.NotFound) {
        throw new ExplainApplicationUnknown(`No principal with id "${applicationId}"`);
      }
      throw e;
    }
    if (!principal.roles.includes(Role.Application)) {
      throw new ExplainApplicationUnknown(`Principal "${applicationId}" is not an application`);
    }
    const ability = this.abilities.createFor(principal);
    const subject = asSubject('AccessDecision', { purpose });
    return {
      authorised: ability.can(Action.Execute, subject, AccessMode.Check),
      archiveAuthorised: ability.can(Action.Execute, subject, AccessMode.Archive),
    };
  }
}

function toRequest(dto: AccessCheckDto): AccessRequest {
  const request: AccessRequest = {
    purpose: dto.purpose,
    action: dto.action,
    fields: dto.fields,
    subjectId: dto.subjectId,
  };
  if (dto.phase === AccessPhase.Archive) {
    request.phase = AccessPhase.Archive;
    // Blank is missing: a justification must say something (ARCHIVE_JUSTIFICATION_MISSING).
    const justification = dto.justification?.trim();
    if (justification) request.justification = justification;
  }
  return request;
}

/**
 * What an archive-phase decision adds to its audit event: the phase and the justification as
 * given (trimmed; null when missing), in the hash-chained trail with the decision itself.
 */
function archiveRecord(request: AccessRequest): Record<string, unknown> {
  return isArchivePhase(request)
    ? { phase: AccessPhase.Archive, justification: request.justification ?? null }
    : {};
}

function toDecision(e: AccessEvaluation, evaluatedAt: string): AccessDecisionDto {
  return {
    decisionId: randomUUID(),
    decision: e.decision,
    fields: e.fields,
    purpose: e.purpose,
    evaluatedAt,
    policyRevision: e.policyRevision,
  };
}

function assertContextSize(dto: AccessCheckDto): void {
  if (dto.context && Buffer.byteLength(JSON.stringify(dto.context), 'utf8') > MAX_CONTEXT_BYTES) {
    throw new AccessContextTooLarge(`context must be at most ${MAX_CONTEXT_BYTES} bytes of JSON`);
  }
}

/**
 * Whatever went wrong below, the caller gets an error, never a decision: a 503 by default. Typed
 * unavailability keeps its own code; a damaged trail keeps its own (AUDIT_TRAIL_TRUNCATED, 500:
 * retrying will not help); an unstorable input (e.g. a NUL in context) stays the caller's 400.
 */
const KINDS_KEPT = new Set([ErrorKind.Unavailable, ErrorKind.IntegrityFailure, ErrorKind.Invalid]);

function unavailable(e: unknown, message: string): DomainError {
  if (e instanceof DomainError && KINDS_KEPT.has(e.kind)) return e;
  return new AccessCheckUnavailable(message);
}
