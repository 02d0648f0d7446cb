import { describe, expect, it } from 'vitest';
import { dateLocale, formatDate, formatDateTime, formatUtcDay } from './format';

describe('date formats', () => {
  const instant = '2026-11-06T14:05:09Z';
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;

  it('writes dates day first in both languages, the English console in British English', () => {
    expect(dateLocale('fr')).toBe('fr-FR');
    expect(dateLocale('en')).toBe('en-GB');
    expect(formatDate(instant, 'en')).toBe(new Date(instant).toLocaleDateString('en-GB'));
    expect(formatDate(instant, 'en')).not.toBe(new Date(instant).toLocaleDateString('en-US'));
    expect(formatDateTime(instant, 'fr')).toBe(new Date(instant).toLocaleString('fr-FR'));
  });

  it.runIf(tz === 'UTC')('gives the expected text on a UTC machine', () => {
    expect(formatDate(instant, 'en')).toBe('06/11/2026');
    expect(formatDateTime(instant, 'en')).toBe('06/11/2026, 14:05:09');
    expect(formatDateTime(instant, 'fr')).toBe('06/11/2026 14:05:09');
  });

  it('writes a UTC day the way each language does, whatever the browser time zone', () => {
    expect(formatUtcDay('2026-11-06', 'fr', 'short')).toBe('06/11');
    expect(formatUtcDay('2026-11-06', 'en', 'short')).toBe('06/11');
    expect(formatUtcDay('2026-11-06', 'fr', 'full')).toBe('6 novembre 2026');
    expect(formatUtcDay('2026-11-06', 'en', 'full')).toBe('6 November 2026');
  });
});
