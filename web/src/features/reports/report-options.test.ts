import { describe, expect, it } from 'vitest';
import { periodProblem, reportDownloadUrl, reportQuery, type ReportChoice } from './report-options';

const choice = (over: Partial<ReportChoice>): ReportChoice => ({
  kind: 'ropa',
  lang: 'fr',
  from: '2026-11-01',
  to: '2026-11-30',
  ...over,
});

describe('report options', () => {
  it('sends the period only to the reports that cover one', () => {
    expect(reportQuery(choice({ kind: 'ropa' }), 'pdf')).toEqual({ format: 'pdf', lang: 'fr' });
    expect(reportQuery(choice({ kind: 'access' }), 'csv')).toEqual({
      format: 'csv',
      lang: 'fr',
      from: '2026-11-01',
      to: '2026-11-30',
    });
    expect(reportQuery(choice({ kind: 'retention', from: '', to: '' }), 'json')).toEqual({
      format: 'json',
      lang: 'fr',
    });
  });

  it('builds the download URL of the service route', () => {
    expect(reportDownloadUrl(choice({ kind: 'integrity', lang: 'en' }), 'pdf')).toBe(
      '/reports/integrity?format=pdf&lang=en',
    );
    expect(reportDownloadUrl(choice({ kind: 'gaps' }), 'pdf')).toBe(
      '/reports/gaps?format=pdf&lang=fr&from=2026-11-01&to=2026-11-30',
    );
  });

  it('flags a period that ends before it starts, for period reports only', () => {
    expect(periodProblem(choice({ kind: 'access', from: '2026-12-01', to: '2026-11-01' }))).toBe(
      'fromAfterTo',
    );
    expect(periodProblem(choice({ kind: 'ropa', from: '2026-12-01', to: '2026-11-01' }))).toBeNull();
    expect(periodProblem(choice({ kind: 'access' }))).toBeNull();
  });
});
