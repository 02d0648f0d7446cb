import { AbilityFactory, asSubject, SYSTEM_ABILITY } from './ability.factory';
import { AccessMode, Action } from './action.enum';
import { Role } from './role.enum';
import type { SubjectName } from './subjects';

const factory = new AbilityFactory();
const principal = (roles: Role[], purposeCodes: string[] = []) => ({ id: 'p1', roles, purposeCodes });

/** Route-level expectations: (role, action, subject) → allowed. */
const table: [Role, Action, SubjectName, boolean][] = [
  [Role.Admin, Action.Create, 'Principal', true],
  [Role.Admin, Action.Read, 'Purpose', false],
  [Role.Admin, Action.Create, 'Purpose', false],
  [Role.Dpo, Action.Create, 'Purpose', true],
  [Role.Dpo, Action.Update, 'Purpose', true],
  [Role.Dpo, Action.Create, 'Principal', false],
  [Role.Dpo, Action.Export, 'Report', true],
  [Role.Auditor, Action.Read, 'Purpose', true],
  [Role.Auditor, Action.Read, 'AuditEvent', true],
  [Role.Auditor, Action.Create, 'Purpose', false],
  [Role.Auditor, Action.Update, 'Purpose', false],
  [Role.Auditor, Action.Delete, 'Purpose', false],
  [Role.Auditor, Action.Export, 'Report', true],
  [Role.Application, Action.Read, 'Purpose', true], // record-level condition applies
  [Role.Application, Action.Create, 'Purpose', false],
  [Role.Application, Action.Read, 'AuditEvent', false],
  [Role.Application, Action.Export, 'Report', false],
  [Role.Application, Action.Read, 'Principal', false],
];

describe('AbilityFactory', () => {
  it.each(table)('%s can %s %s: %s', (role, action, subject, allowed) => {
    expect(factory.createFor(principal([role])).can(action, subject)).toBe(allowed);
  });

  it('limits an application to its authorised purposes at record level', () => {
    const ability = factory.createFor(principal([Role.Application], ['marketing.newsletter']));
    expect(ability.can(Action.Read, asSubject('Purpose', { code: 'marketing.newsletter' }))).toBe(true);
    expect(ability.can(Action.Read, asSubject('Purpose', { code: 'hr.payroll' }))).toBe(false);
  });

  it('lets an application read and restrict only the consents of its authorised purposes', () => {
    const ability = factory.createFor(principal([Role.Application], ['marketing.newsletter']));
    const consent = (purpose: string) => asSubject('Consent', { purpose });
    expect(ability.can(Action.Read, consent('marketing.newsletter'))).toBe(true);
    expect(ability.can(Action.Read, consent('hr.payroll'))).toBe(false);
    const restriction = (purpose: string | null) => asSubject('Restriction', { purpose });
    expect(ability.can(Action.Create, restriction('marketing.newsletter'))).toBe(true);
    expect(ability.can(Action.Create, restriction('hr.payroll'))).toBe(false);
    expect(ability.can(Action.Create, restriction(null))).toBe(false); // every purpose: a DPO's
    const dpo = factory.createFor(principal([Role.Dpo]));
    expect(dpo.can(Action.Read, consent('hr.payroll'))).toBe(true);
    expect(dpo.can(Action.Create, restriction(null))).toBe(true);
  });

  it('gives recorded decisions (mode check) to applications only, explanations to DPOs only', () => {
    const app = factory.createFor(principal([Role.Application], ['billing']));
    const dpo = factory.createFor(principal([Role.Dpo]));
    const decision = asSubject('AccessDecision', { purpose: 'billing' });
    expect(app.can(Action.Execute, 'AccessDecision', AccessMode.Check)).toBe(true);
    expect(app.can(Action.Execute, decision, AccessMode.Check)).toBe(true);
    expect(app.can(Action.Execute, asSubject('AccessDecision', { purpose: 'hr' }), AccessMode.Check)).toBe(
      false,
    );
    expect(app.can(Action.Execute, decision, AccessMode.Explain)).toBe(false);
    expect(dpo.can(Action.Execute, 'AccessDecision', AccessMode.Check)).toBe(false);
    expect(dpo.can(Action.Execute, decision, AccessMode.Check)).toBe(false);
    expect(dpo.can(Action.Execute, decision, AccessMode.Explain)).toBe(true);
    for (const role of [Role.Admin, Role.Auditor]) {
      expect(
        factory.createFor(principal([role])).can(Action.Execute, 'AccessDecision', AccessMode.Check),
      ).toBe(false);
    }
  });

  it('SYSTEM_ABILITY (internal callers only) allows every record', () => {
    expect(SYSTEM_ABILITY.can(Action.Read, asSubject('Purpose', { code: 'hr.payroll' }))).toBe(true);
    expect(SYSTEM_ABILITY.can(Action.Read, asSubject('PersonalField', { purposeCodes: [] }))).toBe(true);
  });

  it('unions the rules of several roles', () => {
    const ability = factory.createFor(principal([Role.Auditor, Role.Admin]));
    expect(ability.can(Action.Create, 'Principal')).toBe(true);
    expect(ability.can(Action.Read, 'Purpose')).toBe(true);
    expect(ability.can(Action.Create, 'Purpose')).toBe(false);
  });

  it('grants nothing without a role', () => {
    const ability = factory.createFor(principal([]));
    expect(ability.can(Action.Read, 'Purpose')).toBe(false);
    expect(ability.can(Action.Read, 'Me')).toBe(false);
  });
});
