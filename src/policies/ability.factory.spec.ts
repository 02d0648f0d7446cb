import { AbilityFactory, asSubject } from './ability.factory';
import { Action } from './action.enum';
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
