import {
  addDuration,
  compareIsoDurations,
  describeDuration,
  parseIsoDuration,
  toMakeIntervalArgs,
} from './iso-duration';

describe('ISO-8601 durations', () => {
  it.each([
    ['P3Y', { years: 3 }],
    ['P13M', { months: 13 }],
    ['P1Y6M', { years: 1, months: 6 }],
    ['P2W', { weeks: 2 }],
    ['P30D', { days: 30 }],
    ['PT12H', { hours: 12 }],
    ['P1DT2H3M4S', { days: 1, hours: 2, minutes: 3, seconds: 4 }],
  ])('parses %s', (text, expected) => {
    expect(parseIsoDuration(text)).toEqual({
      years: 0,
      months: 0,
      weeks: 0,
      days: 0,
      hours: 0,
      minutes: 0,
      seconds: 0,
      ...expected,
    });
  });

  it.each([
    '',
    'P',
    'PT',
    '3Y',
    'P1.5Y',
    'P-1Y',
    'p3y',
    'P3Y ',
    'P1H',
    'PT1D',
    'P0D',
    'P0Y0M',
    'P999Y',
    'P1Y2Y',
    'P'.padEnd(70, '1'),
  ])('rejects %j', (text) => {
    expect(() => parseIsoDuration(text)).toThrow();
  });

  it('rejects non-strings', () => {
    expect(() => parseIsoDuration(3 as unknown as string)).toThrow();
  });

  it('adds calendar durations like PostgreSQL (end of month clamps)', () => {
    expect(addDuration(new Date('2024-01-31T10:00:00Z'), parseIsoDuration('P1M')).toISOString()).toBe(
      '2024-02-29T10:00:00.000Z',
    );
    expect(addDuration(new Date('2023-02-28T00:00:00Z'), parseIsoDuration('P1Y')).toISOString()).toBe(
      '2024-02-28T00:00:00.000Z',
    );
    expect(addDuration(new Date('2024-02-29T00:00:00Z'), parseIsoDuration('P1Y')).toISOString()).toBe(
      '2025-02-28T00:00:00.000Z',
    );
    expect(addDuration(new Date('2024-01-01T00:00:00Z'), parseIsoDuration('P1Y6M2DT3H')).toISOString()).toBe(
      '2025-07-03T03:00:00.000Z',
    );
  });

  it('orders durations by length', () => {
    expect(compareIsoDurations('P13M', 'P1Y')).toBeGreaterThan(0);
    expect(compareIsoDurations('P365D', 'P1Y')).toBeLessThan(0);
    expect(compareIsoDurations('P3Y', 'P36M')).toBeCloseTo(0, 5);
  });

  it('maps to make_interval arguments and to words', () => {
    expect(toMakeIntervalArgs(parseIsoDuration('P1Y2M3W4DT5H6M7S'))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(describeDuration(parseIsoDuration('P3Y'))).toBe('3 years');
    expect(describeDuration(parseIsoDuration('P1Y6M'))).toBe('1 year and 6 months');
    expect(describeDuration(parseIsoDuration('P1Y6M'), 'fr')).toBe('1 an et 6 mois');
  });
});
