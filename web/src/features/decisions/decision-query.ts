import type { Schemas } from '../../api/client';
import type { paths } from '../../api/schema';

export type DecisionQuery = NonNullable<paths['/audit/decisions']['get']['parameters']['query']>;
export type DecisionRecord = Schemas['AccessDecisionRecordDto'];
export type AccessReason = Schemas['FieldDecisionDto']['reason'];

/**
 * Every reason code: the active phase's rules in their order, then the archive phase's
 * (docs/access-check.md). A record, so that a reason the API adds without a place here (and a
 * label in i18n) fails the type check instead of reaching the screen as a raw code.
 */
const EVERY_REASON = {
  ALLOWED: true,
  PURPOSE_UNKNOWN: true,
  PURPOSE_NOT_ACTIVE: true,
  APPLICATION_NOT_AUTHORISED: true,
  FIELD_UNKNOWN: true,
  FIELD_NOT_BOUND_TO_PURPOSE: true,
  ACTION_NOT_ALLOWED: true,
  CONSENT_REQUIRED: true,
  CONSENT_MISSING: true,
  CONSENT_WITHDRAWN: true,
  SUBJECT_RESTRICTED: true,
  ARCHIVED: true,
  ARCHIVE_ACCESS_NOT_AUTHORISED: true,
  ARCHIVE_JUSTIFICATION_MISSING: true,
  ARCHIVE_SUBJECT_REQUIRED: true,
  NOT_ARCHIVED: true,
} satisfies Record<AccessReason, true>;

export const ACCESS_REASONS = Object.keys(EVERY_REASON) as readonly AccessReason[];

/** A reason's label key (decisions.reasons), or null for a code this console does not know. */
export function reasonLabelKey(reason: string): string | null {
  return Object.hasOwn(EVERY_REASON, reason) ? `decisions.reasons.${reason}` : null;
}

/** The search form as typed: empty strings for filters left blank, local date-times. */
export interface DecisionSearchForm {
  application: string;
  purpose: string;
  field: string;
  reason: string;
  decision: string;
  subjectId: string;
  /** `YYYY-MM-DDTHH:mm` from an <input type="datetime-local">, in the browser's time zone. */
  from: string;
  to: string;
}

export const EMPTY_SEARCH: DecisionSearchForm = {
  application: '',
  purpose: '',
  field: '',
  reason: '',
  decision: '',
  subjectId: '',
  from: '',
  to: '',
};

/** Form → query of GET /audit/decisions: blanks left out, local times as ISO instants. */
export function toDecisionQuery(form: DecisionSearchForm): DecisionQuery {
  const query: DecisionQuery = {};
  const text = (v: string) => v.trim();
  if (text(form.application)) query.application = text(form.application);
  if (text(form.purpose)) query.purpose = text(form.purpose);
  if (text(form.field)) query.field = text(form.field);
  if (form.reason) query.reason = form.reason;
  if (form.decision) query.decision = form.decision as DecisionQuery['decision'];
  // A subject id is kept as typed: spaces may be part of it.
  if (form.subjectId !== '') query.subjectId = form.subjectId;
  const instant = (local: string) => {
    const date = new Date(local);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  };
  if (form.from && instant(form.from)) query.from = instant(form.from);
  if (form.to && instant(form.to)) query.to = instant(form.to);
  return query;
}

/** The fields of a decision that were refused, with their reasons, for a one-line summary. */
export function refusedFields(decision: DecisionRecord): { field: string; reason: string }[] {
  return decision.fields.filter((f) => !f.allowed).map((f) => ({ field: f.field, reason: f.reason }));
}
