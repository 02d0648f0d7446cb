import {
  csvDelimiter,
  isPeriodProblem,
  reportFilename,
  ReportFormat,
  ReportKind,
  resolvePeriod,
} from './report.model';

describe('resolvePeriod', () => {
  const now = new Date('2026-11-23T10:00:00.000Z');

  it('defaults to the 30 days before now', () => {
    const p = resolvePeriod(undefined, undefined, now);
    expect(p).toEqual({ from: new Date('2026-10-24T10:00:00.000Z'), to: now });
  });

  it('includes the whole day of a date-only `to` and starts a date-only `from` at midnight UTC', () => {
    expect(resolvePeriod('2026-10-01', '2026-10-31', now)).toEqual({
      from: new Date('2026-10-01T00:00:00.000Z'),
      to: new Date('2026-11-01T00:00:00.000Z'),
    });
  });

  it('accepts date-times with offsets', () => {
    const p = resolvePeriod('2026-10-01T02:00:00+02:00', undefined, now);
    expect(isPeriodProblem(p) ? null : p.from.toISOString()).toBe('2026-10-01T00:00:00.000Z');
  });

  it.each([
    ['not-a-date', undefined, 'from'],
    [undefined, '2026-13-45', 'to'],
    ['2026-02-30', undefined, 'from'],
    ['2026-11-02', '2026-11-01T00:00:00Z', 'period'],
  ])('refuses from=%s to=%s (%s)', (from, to, property) => {
    const p = resolvePeriod(from, to, now);
    expect(isPeriodProblem(p) && p.property).toBe(property);
  });
});

describe('csvDelimiter', () => {
  it('uses ; for French unless told otherwise, , for English unless told otherwise', () => {
    expect(csvDelimiter(undefined, 'fr')).toBe(';');
    expect(csvDelimiter(undefined, 'en')).toBe(',');
    expect(csvDelimiter('comma', 'fr')).toBe(',');
    expect(csvDelimiter('semicolon', 'en')).toBe(';');
  });
});

describe('reportFilename', () => {
  it('names the report and the generation date', () => {
    expect(reportFilename(ReportKind.Gaps, ReportFormat.Pdf, new Date('2026-11-23T23:59:00Z'))).toBe(
      'finalite-gaps-2026-11-23.pdf',
    );
  });
});
