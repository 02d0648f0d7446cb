import { DataCategory } from './inventory.model';
import { guessPersonalData, snakeCaseName, suggestedFieldKey } from './personal-data-guess';

const categoryOf = (column: string) => guessPersonalData(column).suggestedCategory;

describe('personal-data guess from column names', () => {
  it.each([
    // Short tokens are whole words, not substrings of unrelated names.
    'trace_id',
    'grace_period',
    'traceId',
    'environment',
    'timespan',
    'japan_office',
    'public_key',
    'capacity',
    'electricity_kwh',
    'adobe_asset_id',
    'valid_cards',
    'syntax_id',
    'international_id',
    'is_disabled',
    'screen_orientation',
    'faxon_rate',
    'loyalty_points',
    'created_at',
    'compass_heading',
    'product_id',
    'order_id',
    'user_idle_timeout',
    'customers_count',
  ])('does not suspect %s', (column) => {
    expect(guessPersonalData(column)).toEqual({
      likelyPersonal: false,
      suggestedCategory: null,
      reason: null,
    });
  });

  it.each([
    ['race', DataCategory.RacialEthnicOrigin],
    ['customer_race', DataCategory.RacialEthnicOrigin],
    ['race_code', DataCategory.RacialEthnicOrigin],
    ['ethnicity', DataCategory.RacialEthnicOrigin],
    ['racial_origin', DataCategory.RacialEthnicOrigin],
    ['nir', DataCategory.Identity],
    ['patient_nir', DataCategory.Identity],
    ['ssn', DataCategory.Identity],
    ['national_id', DataCategory.Identity],
    ['tax_id', DataCategory.Identity],
    ['id_card', DataCategory.Identity],
    ['pan', DataCategory.Financial],
    ['card_pan', DataCategory.Financial],
    ['iban', DataCategory.Financial],
    ['customerIban', DataCategory.Financial],
    ['bic', DataCategory.Financial],
    ['swift_code', DataCategory.Financial],
    ['salary', DataCategory.Financial],
    ['email', DataCategory.Contact],
    ['contactEmail', DataCategory.Contact],
    ['phone', DataCategory.Contact],
    ['telephone', DataCategory.Contact],
    ['fax', DataCategory.Contact],
    ['ip_address', DataCategory.OnlineIdentifiers],
    ['IPAddress', DataCategory.OnlineIdentifiers],
    ['city', DataCategory.Location],
    ['billing_city', DataCategory.Location],
    ['zip', DataCategory.Location],
    ['zipcode', DataCategory.Location],
    ['birth_place', DataCategory.Location],
    ['dob', DataCategory.Identity],
    ['birth_date', DataCategory.Identity],
    ['first_name', DataCategory.Identity],
    ['disability', DataCategory.Health],
    ['health_notes', DataCategory.Health],
    ['password', DataCategory.OnlineIdentifiers],
    ['password_hash', DataCategory.OnlineIdentifiers],
    ['pwd', DataCategory.OnlineIdentifiers],
    ['customer_id', DataCategory.Identity],
    ['userId', DataCategory.Identity],
    ['staff_id', DataCategory.Identity],
    ['member_ref', DataCategory.Identity],
    ['dna_sample', DataCategory.Genetic],
    ['iris_scan', DataCategory.Biometric],
    ['sexual_orientation', DataCategory.SexLifeOrientation],
    ['orientation', DataCategory.SexLifeOrientation],
  ])('suspects %s as %s', (column, category) => {
    expect(guessPersonalData(column)).toMatchObject({ likelyPersonal: true, suggestedCategory: category });
  });

  it('matches on snake_case words whatever the naming convention', () => {
    expect(snakeCaseName('traceId')).toBe('trace_id');
    expect(snakeCaseName('IPAddress')).toBe('ip_address');
    expect(snakeCaseName('grace-period')).toBe('grace_period');
    expect(snakeCaseName('Last Name')).toBe('last_name');
    expect(categoryOf('Last Name')).toBe(DataCategory.Identity);
  });
});

describe('suggested field key', () => {
  it('is the key the field would get', () => {
    expect(suggestedFieldKey('crm', 'public', 'customers', 'email')).toBe('crm.customers.email');
    expect(suggestedFieldKey('crm', 'billing', 'invoices', 'iban')).toBe('crm.billing.invoices.iban');
  });

  it.each([
    ['public', 'customers', 'e-mail'],
    ['public', 'customers', 'first name'],
    ['public', 'order lines', 'amount'],
    ['my-schema', 'customers', 'email'],
    ['public', 'clients', 'prénom'],
    ['public', 'customers', '1st_name'],
  ])('is null for %s.%s.%s, which cannot be registered', (schema, table, column) => {
    expect(suggestedFieldKey('crm', schema, table, column)).toBeNull();
  });
});

describe('personal-data guess from MySQL column types', () => {
  it.each([
    ['location_ip', 'varbinary(16)', DataCategory.OnlineIdentifiers],
    ['idvisitor', 'binary(8)', DataCategory.OnlineIdentifiers],
    ['config_id', 'binary(8)', DataCategory.OnlineIdentifiers],
    ['ua', 'tinytext', DataCategory.OnlineIdentifiers],
    ['location_latitude', 'decimal(9,6)', DataCategory.Location],
    ['picture', 'blob', DataCategory.Identity],
    ['scan', 'mediumblob', DataCategory.Identity],
  ])('suspects %s %s as %s', (column, type, category) => {
    expect(guessPersonalData(column, type)).toMatchObject({
      likelyPersonal: true,
      suggestedCategory: category,
    });
  });

  it('does not suspect ordinary columns for their type', () => {
    expect(guessPersonalData('amount', 'decimal(5,2)').likelyPersonal).toBe(false);
    expect(guessPersonalData('checksum', 'binary(20)').likelyPersonal).toBe(false);
    expect(guessPersonalData('title', 'tinytext').likelyPersonal).toBe(false);
  });
});
