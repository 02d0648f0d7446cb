import { AccessReason, combineOutcome } from './access-reason';
import { AccessRequest, evaluateAccess, needsSubjectFacts, SubjectFacts } from './access-rules';
import { compileAccessPolicy, RegisterSnapshot } from './compiled-access-policy';

const purpose = (code: string, overrides: Record<string, unknown> = {}) => ({
  code,
  version: 2,
  status: 'active',
  parentCode: null,
  legalBasis: 'contract',
  specialCategoryCondition: null,
  ...overrides,
});
const field = (key: string) => ({
  key,
  systemCode: key.split('.')[0],
  dataset: 'public.customers',
  column: key.split('.').pop()!,
  dataCategory: 'contact',
  special: false,
});

const snapshot: RegisterSnapshot = {
  revision: 7,
  purposes: [
    purpose('marketing', { legalBasis: 'consent' }),
    purpose('marketing.newsletter', { parentCode: 'marketing', legalBasis: 'consent' }),
    purpose('billing'),
    purpose('billing.draft', { status: 'draft' }),
    purpose('research', { legalBasis: 'public_task', specialCategoryCondition: 'explicit_consent' }),
  ],
  fields: [field('crm.customers.email'), field('crm.customers.name'), field('crm.customers.iban')],
  bindings: [
    {
      fieldKey: 'crm.customers.email',
      purposeCode: 'marketing',
      actions: ['read'],
      obligation: null,
      appliesToSubPurposes: true,
    },
    {
      fieldKey: 'crm.customers.name',
      purposeCode: 'marketing',
      actions: ['read'],
      obligation: null,
      appliesToSubPurposes: false,
    },
    {
      fieldKey: 'crm.customers.iban',
      purposeCode: 'billing',
      actions: ['read', 'write'],
      obligation: 'mask',
      appliesToSubPurposes: false,
    },
    {
      fieldKey: 'crm.customers.name',
      purposeCode: 'billing',
      actions: ['read'],
      obligation: null,
      appliesToSubPurposes: false,
    },
    {
      fieldKey: 'crm.customers.email',
      purposeCode: 'research',
      actions: ['read'],
      obligation: 'pseudonymise',
      appliesToSubPurposes: false,
    },
  ],
};
const policy = compileAccessPolicy(snapshot);

const granted = (codes: string[]): SubjectFacts => ({
  consents: new Map(codes.map((c) => [c, { status: 'granted', purposeVersion: 1 }])),
  restrictions: [],
  archived: new Map(),
});

function reasonOf(request: Partial<AccessRequest>, subject?: SubjectFacts, authorised = true) {
  const evaluation = evaluateAccess(
    policy,
    { purpose: 'billing', action: 'read', fields: ['crm.customers.iban'], ...request },
    { authorised, subject },
  );
  return evaluation.fields[0].reason;
}

describe('access rules', () => {
  it('allows a bound field with its obligation and carries the policy revision', () => {
    const e = evaluateAccess(
      policy,
      { purpose: 'billing', action: 'read', fields: ['crm.customers.iban'] },
      { authorised: true },
    );
    expect(e).toMatchObject({
      decision: 'allow',
      policyRevision: 7,
      purpose: { code: 'billing', version: 2 },
    });
    expect(e.fields).toEqual([
      { field: 'crm.customers.iban', allowed: true, reason: 'ALLOWED', obligation: 'mask' },
    ]);
  });

  it.each<[string, Partial<AccessRequest>, SubjectFacts | undefined, boolean, AccessReason]>([
    ['unknown purpose', { purpose: 'nope' }, undefined, true, AccessReason.PurposeUnknown],
    ['draft purpose', { purpose: 'billing.draft' }, undefined, true, AccessReason.PurposeNotActive],
    ['unauthorised caller', {}, undefined, false, AccessReason.ApplicationNotAuthorised],
    ['unknown field', { fields: ['crm.customers.shoe_size'] }, undefined, true, AccessReason.FieldUnknown],
    [
      'field of another purpose',
      { fields: ['crm.customers.email'] },
      undefined,
      true,
      AccessReason.FieldNotBoundToPurpose,
    ],
    ['action not bound', { action: 'share' }, undefined, true, AccessReason.ActionNotAllowed],
    [
      'consent purpose, no subject',
      { purpose: 'marketing', fields: ['crm.customers.email'] },
      undefined,
      true,
      AccessReason.ConsentRequired,
    ],
    [
      'no consent on record',
      { purpose: 'marketing', fields: ['crm.customers.email'], subjectId: 's' },
      granted([]),
      true,
      AccessReason.ConsentMissing,
    ],
    [
      'consent withdrawn',
      { purpose: 'marketing', fields: ['crm.customers.email'], subjectId: 's' },
      {
        consents: new Map([['marketing', { status: 'withdrawn', purposeVersion: 2 }]]),
        restrictions: [],
        archived: new Map(),
      },
      true,
      AccessReason.ConsentWithdrawn,
    ],
    [
      'restricted subject',
      { subjectId: 's' },
      {
        consents: new Map(),
        restrictions: [{ id: 'r1', kind: 'restriction', purposeCodes: ['billing'] }],
        archived: new Map(),
      },
      true,
      AccessReason.SubjectRestricted,
    ],
  ])('%s → %s', (_label, request, subject, authorised, expected) => {
    expect(reasonOf(request, subject, authorised)).toBe(expected);
  });

  it('reports the FIRST failing rule in the documented order', () => {
    // Unknown purpose wins over an unauthorised caller and an unknown field.
    expect(reasonOf({ purpose: 'nope', fields: ['x.y.z'] }, undefined, false)).toBe(
      AccessReason.PurposeUnknown,
    );
    // Not authorised wins over unknown field.
    expect(reasonOf({ fields: ['x.y.z'] }, undefined, false)).toBe(AccessReason.ApplicationNotAuthorised);
    // Withdrawn consent wins over a restriction.
    expect(
      reasonOf(
        { purpose: 'marketing', fields: ['crm.customers.email'], subjectId: 's' },
        {
          consents: new Map([['marketing', { status: 'withdrawn', purposeVersion: 1 }]]),
          restrictions: [{ id: 'r', kind: 'objection', purposeCodes: null }],
          archived: new Map(),
        },
      ),
    ).toBe(AccessReason.ConsentWithdrawn);
  });

  it('passes a parent binding to sub-purposes only when appliesToSubPurposes', () => {
    const e = evaluateAccess(
      policy,
      {
        purpose: 'marketing.newsletter',
        action: 'read',
        fields: ['crm.customers.email', 'crm.customers.name'],
        subjectId: 's',
      },
      { authorised: true, subject: granted(['marketing.newsletter']), trail: true },
    );
    expect(e.decision).toBe('partial');
    expect(e.fields.map((f) => [f.field, f.reason])).toEqual([
      ['crm.customers.email', 'ALLOWED'],
      ['crm.customers.name', 'FIELD_NOT_BOUND_TO_PURPOSE'],
    ]);
    expect(e.fields[1].trail?.at(-1)?.detail).toMatch(/without appliesToSubPurposes/);
  });

  it('needs consent to the sub-purpose itself, not the parent', () => {
    expect(
      reasonOf(
        { purpose: 'marketing.newsletter', fields: ['crm.customers.email'], subjectId: 's' },
        granted(['marketing']),
      ),
    ).toBe(AccessReason.ConsentMissing);
  });

  it('applies a restriction on a parent purpose to its sub-purposes', () => {
    expect(
      reasonOf(
        { purpose: 'marketing.newsletter', fields: ['crm.customers.email'], subjectId: 's' },
        {
          consents: granted(['marketing.newsletter']).consents,
          restrictions: [{ id: 'r', kind: 'objection', purposeCodes: ['marketing'] }],
          archived: new Map(),
        },
      ),
    ).toBe(AccessReason.SubjectRestricted);
  });

  it('treats an explicit-consent special-category condition as consent-based', () => {
    expect(reasonOf({ purpose: 'research', fields: ['crm.customers.email'] })).toBe(
      AccessReason.ConsentRequired,
    );
  });

  it('fails closed when the subject lookup was not supplied', () => {
    expect(reasonOf({ subjectId: 's' }, undefined)).toBe(AccessReason.SubjectRestricted);
  });

  it('builds a trail only when asked, one step per rule up to the answer', () => {
    const plain = evaluateAccess(
      policy,
      { purpose: 'billing', action: 'read', fields: ['crm.customers.iban'] },
      { authorised: true },
    );
    expect(plain.fields[0].trail).toBeUndefined();
    const explained = evaluateAccess(
      policy,
      { purpose: 'billing', action: 'read', fields: ['crm.customers.iban'] },
      { authorised: true, trail: true },
    );
    expect(explained.fields[0].trail?.map((s) => [s.rule, s.outcome])).toEqual([
      ['PURPOSE_UNKNOWN', 'pass'],
      ['PURPOSE_NOT_ACTIVE', 'pass'],
      ['APPLICATION_NOT_AUTHORISED', 'pass'],
      ['FIELD_UNKNOWN', 'pass'],
      ['FIELD_NOT_BOUND_TO_PURPOSE', 'pass'],
      ['ACTION_NOT_ALLOWED', 'pass'],
      ['CONSENT_REQUIRED', 'not_applicable'],
      ['CONSENT_MISSING', 'not_applicable'],
      ['CONSENT_WITHDRAWN', 'not_applicable'],
      ['SUBJECT_RESTRICTED', 'not_applicable'],
      ['ARCHIVED', 'not_applicable'],
    ]);
  });

  it('looks the subject up only when a field passes the register rules', () => {
    const base = { purpose: 'billing', action: 'read', subjectId: 's' };
    expect(needsSubjectFacts(policy, { ...base, fields: ['crm.customers.iban'] }, true)).toBe(true);
    expect(needsSubjectFacts(policy, { ...base, fields: ['crm.customers.email'] }, true)).toBe(false);
    expect(needsSubjectFacts(policy, { ...base, fields: ['crm.customers.iban'] }, false)).toBe(false);
    expect(
      needsSubjectFacts(policy, { purpose: 'billing', action: 'read', fields: ['crm.customers.iban'] }, true),
    ).toBe(false);
  });

  it('combines field answers into allow / partial / deny', () => {
    expect(combineOutcome([{ allowed: true }, { allowed: true }])).toBe('allow');
    expect(combineOutcome([{ allowed: true }, { allowed: false }])).toBe('partial');
    expect(combineOutcome([{ allowed: false }])).toBe('deny');
    expect(combineOutcome([])).toBe('deny');
  });
});
