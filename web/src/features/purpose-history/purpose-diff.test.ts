import { describe, expect, it } from 'vitest';
import { changesBetween, diffSnapshots, formatValue, sameValue, versionKey } from './purpose-diff';

describe('diffSnapshots', () => {
  const v1 = {
    code: 'marketing',
    name: 'Marketing',
    status: 'draft',
    recipients: ['sales'],
    retention: { duration: 'P3Y', trigger: 'collection' },
  };

  it('lists every field in record order and marks only what changed', () => {
    const v2 = { ...v1, name: 'Marketing emails', recipients: ['sales', 'mailer'] };
    const rows = diffSnapshots(v1, v2);
    expect(rows.slice(0, 2).map((r) => r.field)).toEqual(['code', 'name']);
    expect(rows.filter((r) => r.changed)).toEqual([
      { field: 'name', before: 'Marketing', after: 'Marketing emails', changed: true },
      { field: 'recipients', before: ['sales'], after: ['sales', 'mailer'], changed: true },
    ]);
  });

  it('treats absent and null alike, and ignores key order inside objects', () => {
    const reordered = { ...v1, description: null, retention: { trigger: 'collection', duration: 'P3Y' } };
    expect(diffSnapshots(v1, reordered).filter((r) => r.changed)).toEqual([]);
  });

  it('keeps fields it does not know (a newer service), after the known ones', () => {
    const rows = diffSnapshots({ ...v1, zeta: 1 }, { ...v1, alpha: 'x', zeta: 2 });
    expect(rows.slice(-2)).toEqual([
      { field: 'alpha', before: null, after: 'x', changed: true },
      { field: 'zeta', before: 1, after: 2, changed: true },
    ]);
  });

  it('sees a list reordered as a change (order is part of the record)', () => {
    expect(sameValue(['a', 'b'], ['b', 'a'])).toBe(false);
    expect(sameValue({ a: 1, b: null }, { a: 1 })).toBe(true);
  });
});

describe('formatValue', () => {
  it('renders values in one line', () => {
    expect(formatValue(null)).toBe('—');
    expect(formatValue([])).toBe('—');
    expect(formatValue(['a', 'b'])).toBe('a, b');
    expect(formatValue({ name: 'ACME' })).toBe('ACME');
    expect(formatValue({ name: 'Mailer', country: 'US' })).toBe('Mailer (country: US)');
    expect(formatValue({ duration: 'P3Y', trigger: 'collection' })).toBe('P3Y (collection)');
    expect(formatValue([{ country: 'US', safeguard: 'SCC' }])).toBe('country: US, safeguard: SCC');
    expect(formatValue(true)).toBe('true');
    expect(formatValue(3)).toBe('3');
  });
});

describe('changesBetween', () => {
  const versions = [1, 2, 3, 4].map((version) => ({
    purposeId: 'p',
    version,
    changedFields: [`f${version}`],
  }));

  it('returns the versions after the older one up to the newer one, whatever the order asked', () => {
    const between = changesBetween(versions, versionKey(versions[0]), versionKey(versions[2]));
    expect(between.map((v) => v.version)).toEqual([2, 3]);
    expect(changesBetween(versions, 'p:3', 'p:1').map((v) => v.version)).toEqual([2, 3]);
  });

  it('returns nothing for the same version or an unknown one', () => {
    expect(changesBetween(versions, 'p:2', 'p:2')).toEqual([]);
    expect(changesBetween(versions, 'p:2', 'q:9')).toEqual([]);
  });

  it('tells apart versions of two purposes that reused a code', () => {
    const reused = [...versions, { purposeId: 'q', version: 1, changedFields: [] }];
    expect(changesBetween(reused, 'p:4', 'q:1').map(versionKey)).toEqual(['q:1']);
  });
});
