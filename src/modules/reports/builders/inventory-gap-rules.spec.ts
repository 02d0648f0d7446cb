import type { PurposeView } from '../../purposes/purposes.service';
import { purposeView } from '../../../../test/factories/purpose-view.factory';
import { GapCode, GapSeverity } from './compliance-gap';
import { fieldGaps, neverScannedGap, overdueGap, unregisteredColumnGap } from './inventory-gap-rules';

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

describe('fieldGaps', () => {
  const active = new Map([['marketing.newsletter', purposeView()]]);

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
        purposeView({
          specialCategoryCondition: 'explicit_consent' as PurposeView['specialCategoryCondition'],
        }),
      ],
    ]);
    expect(fieldGaps(field({ special: true }), withCondition, 'en')).toEqual([]);
  });
});

describe('column, dataset and system gaps', () => {
  it('builds scan, overdue and never-scanned gaps with severities', () => {
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
