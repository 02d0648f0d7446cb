import { SetMetadata } from '@nestjs/common';
import { Action } from './action.enum';
import type { SubjectName } from './subjects';

export const POLICY_KEY = 'finalite:policy';
export const PUBLIC_KEY = 'finalite:public';

export interface RequiredPolicy {
  action: Action;
  subject: SubjectName;
  /** A field the rule must cover (CASL), e.g. the AccessMode of an AccessDecision route. */
  field?: string;
}

/**
 * Declares what a route needs. The policies guard refuses (403) a principal whose ability
 * grants no rule for (action, subject[, field]); record-level conditions are then applied by the
 * service through the same ability (see PolicyScope). Every non-public route must carry one.
 */
export const CheckPolicy = (action: Action, subject: SubjectName, field?: string) =>
  SetMetadata(POLICY_KEY, { action, subject, ...(field ? { field } : {}) } satisfies RequiredPolicy);

/** Marks a route that needs no authentication (health probes, OpenAPI). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
