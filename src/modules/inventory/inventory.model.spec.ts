import { compareIsoDurations } from '../../common/time/iso-duration';
import {
  BindablePurpose,
  checkBindings,
  connectionStringProblem,
  DataCategory,
  defaultAnonymisation,
  effectiveRetention,
  FieldFlag,
  fieldFlags,
  fieldKeyOf,
  isSpecialCategory,
  quoteIdentifier,
  SystemKind,
} from './inventory.model';
import { guessPersonalData } from './personal-data-guess';

const purpose = (code: string, over: Partial<BindablePurpose> = {}): BindablePurpose => ({
  code,
  status: 'active',
  specialCategoryCondition: null,
  retention: { duration: 'P1Y', trigger: 'collection' },
  ...over,
});

describe('inventory rules', () => {
  it('computes field keys, writing the schema only when it is not public', () => {
    expect(fieldKeyOf('crm', 'public.customers', 'email')).toBe('crm.customers.email');
    expect(fieldKeyOf('crm', 'billing.invoices', 'iban')).toBe('crm.billing.invoices.iban');
  });

  it('quotes only identifiers that passed the identifier check', () => {
    expect(quoteIdentifier('last_order_at')).toBe('"last_order_at"');
    expect(() => quoteIdentifier('x"; DROP TABLE y; --')).toThrow(/unsafe/);
  });

  it.each([
    [DataCategory.Health, true],
    [DataCategory.CriminalConvictions, true],
    [DataCategory.TradeUnion, true],
    [DataCategory.Contact, false],
    [DataCategory.Financial, false],
  ])('%s is special: %s', (category, special) => {
    expect(isSpecialCategory(category)).toBe(special);
  });

  it('picks a default anonymisation by category, generalising dates', () => {
    expect(defaultAnonymisation(DataCategory.Contact, 'email')).toEqual({ strategy: 'hash' });
    expect(defaultAnonymisation(DataCategory.Identity, 'last_name')).toEqual({ strategy: 'nullify' });
    expect(defaultAnonymisation(DataCategory.Location, 'postcode')).toEqual({ strategy: 'generalise' });
    expect(defaultAnonymisation(DataCategory.Identity, 'birth_date')).toEqual({
      strategy: 'generalise',
      value: 'year',
    });
    expect(defaultAnonymisation(DataCategory.Health, 'diagnosed_at')).toEqual({ strategy: 'nullify' });
  });

  describe('binding rules', () => {
    const purposes = new Map([
      ['care', purpose('care', { specialCategoryCondition: 'health_or_social_care' })],
      ['sales', purpose('sales')],
      ['old', purpose('old', { status: 'retired' })],
    ]);
    const health = { key: 'crm.customers.diagnosis', dataCategory: DataCategory.Health };
    const email = { key: 'crm.customers.email', dataCategory: DataCategory.Contact };

    it('needs an art. 9(2) condition for special categories', () => {
      expect(checkBindings(health, ['care'], purposes)).toEqual([]);
      expect(checkBindings(health, ['sales'], purposes)).toEqual([
        expect.objectContaining({ purposeCode: 'sales', reason: 'special_category_without_condition' }),
      ]);
      expect(checkBindings(email, ['sales'], purposes)).toEqual([]);
    });

    it('refuses unknown purposes, duplicates, and new bindings to retired purposes', () => {
      expect(checkBindings(email, ['ghost', 'sales', 'sales', 'old'], purposes).map((p) => p.reason)).toEqual(
        ['unknown_purpose', 'duplicate', 'retired_purpose'],
      );
      expect(checkBindings(email, ['old'], purposes, new Set(['old']))).toEqual([]);
    });
  });

  it('flags unbound fields, fields left with retired purposes, and special data under unfit purposes', () => {
    expect(fieldFlags(DataCategory.Contact, [])).toEqual([FieldFlag.Unbound]);
    expect(fieldFlags(DataCategory.Contact, [purpose('a', { status: 'retired' })])).toEqual([
      FieldFlag.OnlyRetiredPurposes,
    ]);
    expect(fieldFlags(DataCategory.Contact, [purpose('a', { status: 'retired' }), purpose('b')])).toEqual([]);
    expect(fieldFlags(DataCategory.Health, [purpose('a')])).toEqual([
      FieldFlag.SpecialCategoryWithoutCondition,
    ]);
  });

  it('keeps a field as long as its longest-retained active purpose', () => {
    const bound = [
      purpose('a', { retention: { duration: 'P13M', trigger: 'last_interaction' } }),
      purpose('b', { retention: { duration: 'P1Y', trigger: 'collection' } }),
      purpose('c', { status: 'retired', retention: { duration: 'P10Y', trigger: 'collection' } }),
      purpose('d', { status: 'draft', retention: { duration: 'P20Y', trigger: 'collection' } }),
    ];
    expect(effectiveRetention(bound, compareIsoDurations)).toEqual({
      duration: 'P13M',
      trigger: 'last_interaction',
      purposeCode: 'a',
      words: {
        en: '13 months from the last interaction',
        fr: '13 mois à compter de la dernière interaction',
      },
    });
    expect(effectiveRetention([bound[2]], compareIsoDurations)).toBeNull();
  });

  it.each([
    ['email', true, 'contact'],
    ['customer_email_address', true, 'contact'],
    ['mobile_phone', true, 'contact'],
    ['iban', true, 'financial'],
    ['ip_address', true, 'online_identifiers'],
    ['last_name', true, 'identity'],
    ['date_of_birth', true, 'identity'],
    ['birth_place', true, 'location'],
    ['street', true, 'location'],
    ['diagnosis_code', true, 'health'],
    ['loyalty_points', false, null],
    ['id', false, null],
    ['amount', false, null],
  ])('guesses %s: personal %s (%s)', (column, likely, category) => {
    expect(guessPersonalData(column)).toMatchObject({ likelyPersonal: likely, suggestedCategory: category });
  });
});

describe('connection strings of database kinds', () => {
  it('accepts a URL of the kind', () => {
    expect(connectionStringProblem(SystemKind.Mysql, 'mysql://u:p%40ss@db.internal:3306/shop')).toBeNull();
    expect(connectionStringProblem(SystemKind.Mysql, 'mysql://root@127.0.0.1/analytics')).toBeNull();
    expect(connectionStringProblem(SystemKind.Postgres, 'postgresql://u@h/db')).toBeNull();
  });

  it.each([
    [SystemKind.Mysql, 'postgres://u@h/db', /mysql:\/\//],
    [SystemKind.Mysql, 'mysql://u@h', /names its database/],
    [SystemKind.Mysql, 'mysql://u@h/', /names its database/],
    [SystemKind.Mysql, 'mysql://u@h/shop;drop', /names its database/],
    [SystemKind.Mysql, 'mysql:not a url', /names its database|not a URL|no host/],
    [SystemKind.Postgres, 'mysql://u@h/db', /postgres:\/\//],
  ])('refuses for %s: %s', (kind, value, message) => {
    expect(connectionStringProblem(kind, value)).toMatch(message);
  });
});
