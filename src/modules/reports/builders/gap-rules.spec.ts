import type { PurposeView } from '../../purposes/purposes.service';
import {
  consentGap,
  fieldGaps,
  GapCode,
  GapSeverity,
  neverScannedGap,
  organisationGaps,
  overdueGap,
  purposeGaps,
  unregisteredColumnGap,
} from './gap-rules';

const purpose = (overrides: Partial<PurposeView> = {}): PurposeView =>
  ({
    code: 'marketing.newsletter',
    name: 'Newsletter',
    status: 'active',
    legalBasis: 'consent',
    legitimateInterest: null,
    specialCategoryCondition: null,
    retention: { duration: 'P3Y', trigger: 'last_interaction' },
    internationalTransfers: null,
    ...overrides,
  }) as PurposeView;

const field = (overrides = {}) => ({
  key: 'crm.public.customers.email',
  systemKey: 'crm',
  datasetKey: 'public.customers',
  column: 'email',
  dataCategory: 'contact',
  special: false,
  purposeCodes: ['marketing.newsletter'],
  ...overrides,
});

describe('purposeGaps', () => {
  it('finds nothing in a complete active purpose', () => {
    expect(purposeGaps([purpose()], 'en')).toEqual([]);
  });

  it('reports missing basis, retention and unstated legitimate interests, with a link to the purpose', () => {
    const gaps = purposeGaps(
      [
        purpose({ code: 'a', legalBasis: null }),
        purpose({ code: 'b', retention: null }),
        purpose({
          code: 'c',
          legalBasis: 'legitimate_interests' as PurposeView['legalBasis'],
          legitimateInterest: ' ',
        }),
      ],
      'en',
    );
    expect(gaps.map((g) => [g.code, g.object.id, g.link, g.severity])).toEqual([
      [GapCode.PurposeWithoutLegalBasis, 'a', '/purposes/a', GapSeverity.High],
      [GapCode.PurposeWithoutRetention, 'b', '/purposes/b', GapSeverity.High],
      [GapCode.LegitimateInterestNotJustified, 'c', '/purposes/c', GapSeverity.High],
    ]);
  });

  it('reports transfers without a safeguard, once per purpose, and ignores drafts and retired purposes', () => {
    const transfers = [
      { country: 'US' },
      { country: 'IN', safeguard: '' },
      { country: 'CH', safeguard: 'adequacy' },
    ];
    const gaps = purposeGaps(
      [
        purpose({ internationalTransfers: transfers }),
        purpose({ code: 'draft', status: 'draft' as PurposeView['status'], legalBasis: null }),
      ],
      'fr',
    );
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({
      code: GapCode.TransferWithoutSafeguard,
      details: { countries: ['US', 'IN'] },
    });
    expect(gaps[0].message).toContain('sans garantie');
  });
});

describe('fieldGaps', () => {
  const active = new Map([['marketing.newsletter', purpose()]]);

  it('reports a field bound to no active purpose', () => {
    const gaps = fieldGaps(field({ purposeCodes: ['retired.one'] }), active, 'en');
    expect(gaps.map((g) => [g.code, g.link])).toEqual([
      [GapCode.FieldWithoutActivePurpose, '/fields/crm.public.customers.email'],
    ]);
  });

  it('reports a special-category field used for a purpose without an art. 9 condition', () => {
    expect(
      fieldGaps(field({ special: true, dataCategory: 'health' }), active, 'en').map((g) => g.code),
    ).toEqual([GapCode.SpecialCategoryWithoutCondition]);
    const withCondition = new Map([
      [
        'marketing.newsletter',
        purpose({ specialCategoryCondition: 'explicit_consent' as PurposeView['specialCategoryCondition'] }),
      ],
    ]);
    expect(fieldGaps(field({ special: true }), withCondition, 'en')).toEqual([]);
  });
});

describe('other gaps', () => {
  it('builds consent, scan, overdue and never-scanned gaps with severities', () => {
    expect(consentGap(purpose(), 7, 'en')).toMatchObject({
      code: GapCode.ConsentWithoutRecords,
      details: { decisions: 7 },
    });
    expect(
      unregisteredColumnGap(
        { systemKey: 'crm', datasetKey: 'public.t', column: 'phone', scannedAt: null },
        'en',
      ),
    ).toMatchObject({ severity: GapSeverity.Medium, link: '/systems/crm' });
    expect(
      overdueGap({ systemKey: 'crm', datasetKey: 'public.t', purposeCode: null, count: 0, note: null }, 'en'),
    ).toBeNull();
    expect(
      overdueGap({ systemKey: 'crm', datasetKey: 'public.t', purposeCode: null, count: 3, note: null }, 'en')
        ?.message,
    ).toBe('3 rows of crm/public.t are past their retention period');
    const crm = { key: 'crm', name: 'CRM', scannable: true };
    expect(neverScannedGap({ ...crm, lastScannedAt: new Date() }, 'en')).toBeNull();
    expect(neverScannedGap({ ...crm, scannable: false, lastScannedAt: null }, 'en')).toBeNull();
    expect(neverScannedGap({ ...crm, lastScannedAt: null }, 'en')?.severity).toBe(GapSeverity.Low);
  });
});

describe('organisationGaps', () => {
  const org = (overrides = {}) => ({
    name: 'ACME SAS',
    address: '12 rue de la Paix, Paris',
    contact: 'privacy@acme.example',
    establishedInEu: true,
    dpo: { name: 'Claire Martin', contact: 'dpo@acme.example' },
    representative: null,
    version: 1,
    updatedAt: '2026-11-30T09:00:00.000Z',
    ...overrides,
  });

  it('finds nothing in a complete declaration of an EU controller', () => {
    expect(organisationGaps(org(), 'en')).toEqual([]);
  });

  it('reports an undeclared organisation once, linking to the route that fixes it', () => {
    expect(organisationGaps(null, 'fr')).toEqual([
      expect.objectContaining({
        code: GapCode.OrganisationNotDeclared,
        severity: GapSeverity.Medium,
        link: '/register/organisation',
        object: { type: 'organisation', id: 'controller' },
      }),
    ]);
  });

  it('reports a missing DPO contact and, outside the EU only, a missing representative', () => {
    expect(organisationGaps(org({ dpo: null }), 'en').map((g) => g.code)).toEqual([
      GapCode.DpoContactMissing,
    ]);
    expect(organisationGaps(org({ establishedInEu: false }), 'en').map((g) => g.code)).toEqual([
      GapCode.EuRepresentativeMissing,
    ]);
    expect(
      organisationGaps(
        org({ establishedInEu: false, representative: { name: 'ACME EU', contact: 'eu@acme.example' } }),
        'en',
      ),
    ).toEqual([]);
  });
});
