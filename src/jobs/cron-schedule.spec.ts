import { isValidCron, nextCronOccurrence } from './cron-schedule';

describe('cron schedule', () => {
  it('computes the next daily occurrence in UTC', () => {
    const next = nextCronOccurrence('0 3 * * *', new Date('2026-05-10T04:00:00Z'));
    expect(next.toISOString()).toBe('2026-05-11T03:00:00.000Z');
  });

  it('is strictly after the reference time', () => {
    const next = nextCronOccurrence('0 3 * * *', new Date('2026-05-10T03:00:00Z'));
    expect(next.toISOString()).toBe('2026-05-11T03:00:00.000Z');
  });

  it.each(['', 'daily', '* * *', '61 * * * *', '0 3 * * * * *'])('rejects %j', (expr) => {
    expect(isValidCron(expr)).toBe(false);
  });

  it('accepts common expressions', () => {
    expect(isValidCron('*/15 * * * *')).toBe(true);
    expect(isValidCron('0 2 * * 1')).toBe(true);
  });
});
