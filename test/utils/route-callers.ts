import { randomUUID } from 'node:crypto';
import { AbilityFactory } from '../../src/policies/ability.factory';
import { Action } from '../../src/policies/action.enum';
import { POLICY_RULES } from '../../src/policies/policy-rules';
import { Role } from '../../src/policies/role.enum';
import { DiscoveredRoute, paramPipesAccept } from './route-discovery';

/** Who a cross-cutting suite sends a route's requests as (shared by the sweep and the fuzz suite). */
export type Caller = Role | 'public';

const ROLE_PREFERENCE = [Role.Dpo, Role.Admin, Role.Auditor, Role.Application];

/**
 * Who to send a route's requests as: public routes without a key; otherwise the role(s) the rule
 * table lets through the policies guard (AbilityFactory, exactly as the guard builds it). A role
 * with an unconditional rule is preferred (one caller); when every passing rule is record-level
 * (e.g. access decisions), each passing role is a caller, since services apply the conditions.
 */
export function callersOf(route: DiscoveredRoute): Caller[] {
  if (route.isPublic) return ['public'];
  const policy = route.policy;
  if (!policy) return [];
  const passing = ROLE_PREFERENCE.filter((role) =>
    new AbilityFactory()
      .createFor({ id: 'sweep', roles: [role], purposeCodes: [] })
      .can(policy.action, policy.subject),
  );
  const unconditional = passing.filter((role) =>
    POLICY_RULES[role].some(
      (rule) =>
        (rule.action === policy.action || rule.action === Action.Manage) &&
        (rule.subject === policy.subject || rule.subject === 'all') &&
        !rule.conditions,
    ),
  );
  return unconditional.length > 0 ? [unconditional[0]] : passing;
}

export const UNKNOWN_UUID = randomUUID();
export const UNKNOWN_SLUG = 'no.such.thing';

/**
 * A well-formed but unknown value for each path parameter of each route: the first candidate the
 * parameter's own pipes accept (a system code has no dots, a dataset name one, a field key two or
 * three, a sequence number is numeric), so that body and query probes get past the path checks.
 */
export class WellFormedPaths {
  private readonly values = new Map<string, string>();
  private static readonly CANDIDATES = [
    UNKNOWN_SLUG,
    'nosuch.thing',
    'nosuchthing',
    UNKNOWN_UUID,
    '987654321',
  ];

  async resolve(routes: DiscoveredRoute[]): Promise<void> {
    for (const route of routes) {
      for (const param of route.pathParams) {
        const candidates = WellFormedPaths.CANDIDATES;
        const ordered = /id$/i.test(param) ? [UNKNOWN_UUID, ...candidates] : candidates;
        for (const candidate of ordered) {
          if (await paramPipesAccept(route, param, candidate)) {
            this.values.set(`${route.handler} ${param}`, candidate);
            break;
          }
        }
      }
    }
  }

  has(route: DiscoveredRoute, param: string): boolean {
    return this.values.has(`${route.handler} ${param}`);
  }

  for(route: DiscoveredRoute): (param: string) => string {
    return (param) =>
      this.values.get(`${route.handler} ${param}`) ?? (/id$/i.test(param) ? UNKNOWN_UUID : UNKNOWN_SLUG);
  }
}
