import {
  AbilityBuilder,
  createMongoAbility,
  MongoAbility,
  MongoQuery,
  subject as tagSubject,
} from '@casl/ability';
import { Injectable } from '@nestjs/common';
import { Action } from './action.enum';
import type { AuthenticatedPrincipal } from './principal';
import { POLICY_RULES } from './policy-rules';
import type { SubjectName } from './subjects';

export type AppAbility = MongoAbility<[Action, SubjectName | 'all' | Record<string, unknown>]>;

/** Builds the CASL ability of one principal from the rule table. */
@Injectable()
export class AbilityFactory {
  createFor(
    principal: Pick<AuthenticatedPrincipal, 'id' | 'roles' | 'purposeCodes' | 'archivePurposeCodes'>,
  ): AppAbility {
    const { can, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
    for (const role of principal.roles) {
      for (const rule of POLICY_RULES[role] ?? []) {
        const conditions = rule.conditions
          ? (resolvePlaceholders(rule.conditions, principal) as MongoQuery)
          : undefined;
        if (rule.fields) can(rule.action, rule.subject, rule.fields, conditions);
        else can(rule.action, rule.subject, conditions);
      }
    }
    return build();
  }
}

function resolvePlaceholders(
  value: unknown,
  principal: Pick<AuthenticatedPrincipal, 'id' | 'purposeCodes' | 'archivePurposeCodes'>,
): unknown {
  if (value === '$purposeCodes') return [...principal.purposeCodes];
  if (value === '$archivePurposeCodes') return [...(principal.archivePurposeCodes ?? [])];
  if (value === '$principalId') return principal.id;
  if (Array.isArray(value)) return value.map((v) => resolvePlaceholders(v, principal));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolvePlaceholders(v, principal)]));
  }
  return value;
}

/**
 * Every action on everything, for internal callers acting for Finalité itself (reports, scans),
 * never for a request: record-level checks take an ability explicitly, and one that comes from a
 * request is the caller's, so no forgotten argument can widen what a caller sees.
 */
export const SYSTEM_ABILITY: AppAbility = createMongoAbility<AppAbility>([
  { action: Action.Manage, subject: 'all' },
]);

/** Tags a plain object with its subject type for record-level checks. */
export function asSubject(type: SubjectName, record: object): Record<string, unknown> {
  return tagSubject(type, { ...record }) as unknown as Record<string, unknown>;
}
