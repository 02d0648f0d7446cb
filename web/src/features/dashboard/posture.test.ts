import { describe, expect, it } from 'vitest';
import {
  ageParts,
  decisionSeries,
  gapFixRoute,
  overdueBySystem,
  totalOverdue,
  type OverdueDataset,
} from './posture';

describe('decisionSeries', () => {
  it('zero-fills every UTC day of the period, one series per outcome, allow before deny', () => {
    const s = decisionSeries(
      [
        { day: '2026-12-02', outcome: 'deny', count: 4 },
        { day: '2026-12-01', outcome: 'allow', count: 2 },
        { day: '2026-12-03', outcome: 'allow', count: 1 },
      ],
      '2026-12-01T10:00:00.000Z',
      '2026-12-04T09:00:00.000Z',
    );
    expect(s.days).toEqual(['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04']);
    expect(s.series).toEqual([
      { outcome: 'allow', counts: [2, 0, 1, 0] },
      { outcome: 'deny', counts: [0, 4, 0, 0] },
    ]);
  });

  it('ignores rows outside the period and has no series without decisions', () => {
    const s = decisionSeries(
      [{ day: '2026-11-01', outcome: 'deny', count: 9 }],
      '2026-12-01T00:00:00Z',
      '2026-12-02T00:00:00Z',
    );
    expect(s.days).toEqual(['2026-12-01']);
    expect(s.series).toEqual([{ outcome: 'deny', counts: [0] }]);
    expect(decisionSeries([], '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z').series).toEqual([]);
  });
});

const dataset = (over: Partial<OverdueDataset>): OverdueDataset => ({
  system: 'crm',
  datasetId: 'id',
  dataset: 'public.customers',
  executor: 'postgres',
  measurable: true,
  dueRows: 0,
  heldRows: 0,
  undatedRows: 0,
  oldestDueSince: null,
  overdueDays: null,
  error: null,
  ...over,
});

describe('overdueBySystem', () => {
  it('sums due rows per system with the longest overdue, most rows first, and notes unmeasured datasets', () => {
    const rows = overdueBySystem([
      dataset({ dueRows: 3, overdueDays: 10 }),
      dataset({ dataset: 'public.orders', dueRows: 5, overdueDays: 40 }),
      dataset({ system: 'erp', dueRows: 20, overdueDays: 2 }),
      dataset({ system: 'paper', executor: 'manual', measurable: false, dueRows: null }),
      dataset({ system: 'clean', dueRows: 0 }),
    ]);
    expect(rows).toEqual([
      { system: 'erp', dueRows: 20, datasets: 1, maxOverdueDays: 2, unmeasured: 0 },
      { system: 'crm', dueRows: 8, datasets: 2, maxOverdueDays: 40, unmeasured: 0 },
      { system: 'paper', dueRows: 0, datasets: 0, maxOverdueDays: null, unmeasured: 1 },
    ]);
  });

  it('totals only measured rows', () => {
    expect(totalOverdue([dataset({ dueRows: 3 }), dataset({ measurable: false, dueRows: 7 })])).toBe(3);
  });
});

describe('gapFixRoute and ageParts', () => {
  it('sends purposes to the register, the organisation to its screen, data to the inventory', () => {
    expect(gapFixRoute({ type: 'purpose', id: 'billing' })).toBe('/register');
    expect(gapFixRoute({ type: 'organisation', id: 'organisation' })).toBe('/organisation');
    expect(gapFixRoute({ type: 'field', id: 'crm.customers.fax' })).toBe('/inventory');
  });

  it('states an age in its largest whole unit', () => {
    expect(ageParts(42)).toEqual({ value: 42, unit: 'seconds' });
    expect(ageParts(125)).toEqual({ value: 2, unit: 'minutes' });
    expect(ageParts(3 * 3600 + 5)).toEqual({ value: 3, unit: 'hours' });
    expect(ageParts(5 * 86_400)).toEqual({ value: 5, unit: 'days' });
  });
});
