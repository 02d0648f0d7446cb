import { AccessPhase, AccessReason } from './access-reason';
import { AccessRequest, evaluateAccess, needsSubjectFacts, SubjectFacts } from './access-rules';
import { compileAccessPolicy } from './compiled-access-policy';

/** Issue 15: the archive phase of a purpose, as the access rules see it (ADR 0054). */
const policy = compileAccessPolicy({
  revision: 3,
  purposes: [
    {
      code: 'billing',
      version: 1,
      status: 'active',
      parentCode: null,
      legalBasis: 'legal_obligation',
      specialCategoryCondition: null,
    },
    {
      code: 'marketing',
      version: 1,
      status: 'active',
      parentCode: null,
      legalBasis: 'consent',
      specialCategoryCondition: null,
    },
  ],
  fields: [
    {
      key: 'crm.customers.iban',
      systemCode: 'crm',
      dataset: 'public.customers',
      column: 'iban',
      dataCategory: 'financial',
      special: false,
    },
  ],
  bindings: ['billing', 'marketing'].map((purposeCode) => ({
    fieldKey: 'crm.customers.iban',
    purposeCode,
    actions: ['read'],
    obligation: null,
    appliesToSubPurposes: false,
  })),
});

const now = new Date('2027-01-10T00:00:00Z');
const facts = (archived: [string, string][] = [], restricted = false): SubjectFacts => ({
  consents: new Map(),
  restrictions: restricted ? [{ id: 'r', kind: 'restriction', purposeCodes: null }] : [],
  archived: new Map(archived.map(([code, until]) => [code, new Date(until)])),
});
const archivedBilling = facts([['billing', '2032-01-01T00:00:00Z']]);

function evaluate(
  request: Partial<AccessRequest>,
  subject: SubjectFacts | undefined,
  archiveAuthorised = true,
  trail = false,
) {
  return evaluateAccess(
    policy,
    { purpose: 'billing', action: 'read', fields: ['crm.customers.iban'], subjectId: 's', ...request },
    { authorised: true, archiveAuthorised, subject, now, trail },
  ).fields[0];
}

const archive = { phase: AccessPhase.Archive, justification: 'Tax audit 2027-014' };

describe('archive phase', () => {
  it('denies a normal check once the active phase is over for the subject (ARCHIVED)', () => {
    const verdict = evaluate({}, archivedBilling, false, true);
    expect(verdict).toMatchObject({ allowed: false, reason: AccessReason.Archived });
    expect(verdict.trail?.at(-1)?.detail).toMatch(/archived until 2032-01-01/);
    // Another purpose of the same subject is not affected; nor is a phase already over.
    expect(evaluate({}, facts([['marketing', '2032-01-01T00:00:00Z']])).reason).toBe(AccessReason.Allowed);
    expect(evaluate({}, facts([['billing', '2027-01-09T00:00:00Z']])).reason).toBe(AccessReason.Allowed);
  });

  it('allows an archive-phase check with an archive grant and a justification', () => {
    expect(evaluate(archive, archivedBilling)).toEqual({
      field: 'crm.customers.iban',
      allowed: true,
      reason: AccessReason.Allowed,
    });
  });

  it.each<[string, Partial<AccessRequest>, SubjectFacts | undefined, boolean, AccessReason]>([
    ['no archive grant', archive, archivedBilling, false, AccessReason.ArchiveAccessNotAuthorised],
    [
      'no justification',
      { phase: AccessPhase.Archive },
      archivedBilling,
      true,
      AccessReason.ArchiveJustificationMissing,
    ],
    [
      'no subject',
      { ...archive, subjectId: undefined },
      undefined,
      true,
      AccessReason.ArchiveSubjectRequired,
    ],
    ['subject not in archive phase', archive, facts(), true, AccessReason.NotArchived],
    [
      'archive phase over',
      archive,
      facts([['billing', '2027-01-01T00:00:00Z']]),
      true,
      AccessReason.NotArchived,
    ],
    [
      'restricted subject',
      archive,
      facts([['billing', '2032-01-01T00:00:00Z']], true),
      true,
      AccessReason.SubjectRestricted,
    ],
    ['state not loaded (fails closed)', archive, undefined, true, AccessReason.NotArchived],
  ])('%s → %s', (_label, request, subject, granted, expected) => {
    expect(evaluate(request, subject, granted).reason).toBe(expected);
  });

  it('checks the grant before the justification, and consent does not apply to the archive', () => {
    expect(evaluate({ phase: AccessPhase.Archive }, archivedBilling, false).reason).toBe(
      AccessReason.ArchiveAccessNotAuthorised,
    );
    const marketing = facts([['marketing', '2032-01-01T00:00:00Z']]);
    const verdict = evaluate({ ...archive, purpose: 'marketing' }, marketing, true, true);
    expect(verdict.reason).toBe(AccessReason.Allowed);
    expect(verdict.trail?.find((s) => s.rule === AccessReason.ConsentMissing)?.outcome).toBe(
      'not_applicable',
    );
  });

  it('reads the subject state for an archive check only when the grant and justification are there', () => {
    const base = { purpose: 'billing', action: 'read', fields: ['crm.customers.iban'], subjectId: 's' };
    expect(needsSubjectFacts(policy, { ...base, ...archive }, true, true)).toBe(true);
    expect(needsSubjectFacts(policy, { ...base, ...archive }, true, false)).toBe(false);
    expect(needsSubjectFacts(policy, { ...base, phase: AccessPhase.Archive }, true, true)).toBe(false);
    expect(needsSubjectFacts(policy, base, true)).toBe(true);
  });
});
