import { Action } from './action.enum';
import { POLICY_RULES, PolicyRule } from './policy-rules';
import { ALL_ROLES, Role } from './role.enum';
import { SUBJECTS, SubjectName } from './subjects';

export const AUTHORISATION_MATRIX_PATH = 'docs/authorisation-matrix.md';

const PLACEHOLDERS: Record<string, string> = {
  $purposeCodes: 'its authorised purposes',
  $archivePurposeCodes: 'its purposes granted archive access',
  $principalId: 'itself',
};

/** A record-level condition in words, e.g. `{ purpose: { $in: '$purposeCodes' } }` → "purpose ∈ its authorised purposes". */
export function describeConditions(conditions: Record<string, unknown>): string {
  return Object.entries(conditions)
    .map(([field, condition]) => {
      if (condition && typeof condition === 'object' && '$in' in condition) {
        const set = condition.$in;
        return `${field} ∈ ${typeof set === 'string' ? (PLACEHOLDERS[set] ?? set) : JSON.stringify(set)}`;
      }
      const value =
        typeof condition === 'string' ? (PLACEHOLDERS[condition] ?? condition) : JSON.stringify(condition);
      return `${field} = ${value}`;
    })
    .join(', ');
}

function describeRule(rule: PolicyRule): string {
  const action = rule.fields ? `${rule.action} ${rule.fields.join('/')}` : rule.action;
  return rule.conditions ? `${action} (${describeConditions(rule.conditions)})` : action;
}

/** What one role may do to one subject, in words ("—" for nothing). */
export function cellFor(role: Role, subject: SubjectName): string {
  const rules = (POLICY_RULES[role] ?? []).filter((r) => r.subject === subject || r.subject === 'all');
  return rules.length ? rules.map(describeRule).join('; ') : '—';
}

/** docs/authorisation-matrix.md, rendered from POLICY_RULES (`npm run docs:matrix`). */
export function renderAuthorisationMatrix(): string {
  const header = `| Resource | ${ALL_ROLES.join(' | ')} |`;
  const separator = `| --- | ${ALL_ROLES.map(() => '---').join(' | ')} |`;
  const rows = SUBJECTS.map(
    (subject) => `| ${subject} | ${ALL_ROLES.map((role) => cellFor(role, subject)).join(' | ')} |`,
  );
  const actions = Object.values(Action)
    .map((a) => `\`${a}\``)
    .join(', ');
  return [
    '# Authorisation matrix',
    '',
    '<!-- Generated from src/policies/policy-rules.ts by `npm run docs:matrix`. Do not edit by hand:',
    '     a unit test fails when this file and the rule table disagree. -->',
    '',
    'Who may do what, role × resource. Every route declares one (action, resource) with `@CheckPolicy`;',
    'the policies guard refuses (403) a caller whose roles grant no rule for it, and a route without a',
    'policy is refused for everyone. Conditions in parentheses are record-level: the route is open to the',
    'role, and the service then answers only for the records the condition allows (others look missing).',
    'A word after the action limits the rule to one mode of the resource, which the route names: for',
    '`AccessDecision`, `check` (`POST /access/check`, a recorded application decision) or `explain`',
    "(`POST /access/explain`, a DPO's diagnostic); a caller without a rule for the route's mode gets 403.",
    'A principal with several roles holds the union of their rules.',
    '',
    `Actions: ${actions}; \`manage\` means every action.`,
    '',
    header,
    separator,
    ...rows,
    '',
    'Every route except `/health*` and `/docs*` needs `Authorization: Bearer <API key>`: no key, an unknown,',
    'revoked or expired key, or a key of a disabled principal → 401 `UNAUTHENTICATED`; a valid key without',
    'the right → 403 `FORBIDDEN`. The end-to-end suite `test/e2e/authorisation-matrix.e2e-spec.ts` checks',
    'every route of the running app against this table for each role and each kind of bad key.',
    '',
  ].join('\n');
}
