import {
  checkActivation,
  checkDeclaration,
  EffectiveDeclaration,
  LegalBasis,
  PURPOSE_CODE_PATTERN,
  PurposeDeclaration,
  PurposeStatus,
  resolveInheritance,
  RetentionTrigger,
  transitionRefusal,
} from './purpose.model';

const complete: EffectiveDeclaration = {
  legalBasis: LegalBasis.Contract,
  legitimateInterest: null,
  specialCategoryCondition: null,
  controller: { name: 'ACME' },
  jointControllers: null,
  processors: null,
  dataSubjectCategories: ['customers'],
  dataCategories: null,
  recipients: null,
  recipientProcessors: null,
  internationalTransfers: null,
  retention: { duration: 'P3Y', trigger: RetentionTrigger.ContractEnd },
  securityMeasures: null,
  dpiaRequired: null,
};

const declared = (over: Partial<PurposeDeclaration>): PurposeDeclaration => ({
  code: 'p',
  name: 'P',
  status: PurposeStatus.Draft,
  ...over,
});

describe('legal basis rules', () => {
  it('requires a legitimate interest text for legitimate_interests, and only then', () => {
    expect(checkDeclaration({ ...complete, legalBasis: LegalBasis.LegitimateInterests })).toEqual([
      expect.objectContaining({ property: 'legitimateInterest' }),
    ]);
    expect(
      checkDeclaration({
        ...complete,
        legalBasis: LegalBasis.LegitimateInterests,
        legitimateInterest: 'fraud prevention',
      }),
    ).toEqual([]);
    expect(checkDeclaration({ ...complete, legitimateInterest: 'stray text' })).toEqual([
      expect.objectContaining({ property: 'legitimateInterest' }),
    ]);
  });

  it('ties the consent_withdrawal trigger to the consent basis', () => {
    const retention = { duration: 'P1M', trigger: RetentionTrigger.ConsentWithdrawal };
    expect(checkDeclaration({ ...complete, retention })).toEqual([
      expect.objectContaining({ property: 'retention.trigger' }),
    ]);
    expect(checkDeclaration({ ...complete, legalBasis: LegalBasis.Consent, retention })).toEqual([]);
  });
});

describe('activation', () => {
  it('accepts a complete declaration under an active parent or none', () => {
    expect(checkActivation(complete, null)).toEqual([]);
    expect(checkActivation(complete, PurposeStatus.Active)).toEqual([]);
  });

  it.each([
    ['legalBasis', { legalBasis: null }],
    ['retention', { retention: null }],
    ['controller', { controller: null }],
    ['dataSubjectCategories', { dataSubjectCategories: [] }],
  ])('needs %s', (property, over) => {
    expect(checkActivation({ ...complete, ...over }, null).map((p) => p.property)).toEqual([property]);
  });

  it('needs an active parent', () => {
    expect(checkActivation(complete, PurposeStatus.Draft).map((p) => p.property)).toEqual(['parentCode']);
    expect(checkActivation(complete, PurposeStatus.Retired).map((p) => p.property)).toEqual(['parentCode']);
  });
});

describe('state transitions', () => {
  it.each([
    [PurposeStatus.Draft, 'activate', true],
    [PurposeStatus.Active, 'activate', false],
    [PurposeStatus.Retired, 'activate', false],
    [PurposeStatus.Draft, 'retire', false],
    [PurposeStatus.Active, 'retire', true],
    [PurposeStatus.Retired, 'retire', false],
  ] as const)('%s --%s--> allowed=%s', (from, transition, allowed) => {
    expect(transitionRefusal(from, transition) === null).toBe(allowed);
  });
});

describe('inheritance', () => {
  const parent = declared({
    code: 'marketing',
    legalBasis: LegalBasis.LegitimateInterests,
    legitimateInterest: 'direct marketing to customers',
    controller: { name: 'ACME' },
    retention: { duration: 'P3Y', trigger: RetentionTrigger.LastInteraction },
    recipients: ['sales'],
  });
  const grandparent = declared({ code: 'root', dataSubjectCategories: ['customers'], dpiaRequired: false });

  it('takes undeclared values from the nearest ancestor and says which', () => {
    const child = declared({ code: 'marketing.sms', recipients: ['sms provider'] });
    const { effective, inheritedFrom } = resolveInheritance([child, parent, grandparent]);
    expect(effective.recipients).toEqual(['sms provider']);
    expect(effective.retention).toEqual(parent.retention);
    expect(effective.dataSubjectCategories).toEqual(['customers']);
    expect(effective.dpiaRequired).toBe(false);
    expect(inheritedFrom).toEqual({
      legalBasis: 'marketing',
      legitimateInterest: 'marketing',
      controller: 'marketing',
      retention: 'marketing',
      dataSubjectCategories: 'root',
      dpiaRequired: 'root',
    });
  });

  it('does not carry a legitimate interest text to a child that overrides the legal basis', () => {
    const child = declared({ code: 'marketing.contract', legalBasis: LegalBasis.Contract });
    const { effective } = resolveInheritance([child, parent]);
    expect(effective.legalBasis).toBe(LegalBasis.Contract);
    expect(effective.legitimateInterest).toBeNull();
    expect(checkDeclaration(effective)).toEqual([]);
  });

  it('keeps an explicit false (it is a declared value, not a gap)', () => {
    const child = declared({ code: 'c', dpiaRequired: false });
    const p = declared({ code: 'p', dpiaRequired: true });
    expect(resolveInheritance([child, p]).effective.dpiaRequired).toBe(false);
  });
});

describe('purpose codes', () => {
  it.each(['marketing', 'marketing.newsletter', 'hr.payroll-2024', 'a_b.c'])('accepts %s', (c) => {
    expect(PURPOSE_CODE_PATTERN.test(c)).toBe(true);
  });
  it.each(['', 'Marketing', 'a..b', '.a', 'a.', 'a b', 'é'])('rejects %j', (c) => {
    expect(PURPOSE_CODE_PATTERN.test(c)).toBe(false);
  });
});
