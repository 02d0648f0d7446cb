import { detectDenialSpikes, isDenial, SPIKE_FACTOR, SPIKE_MIN_DENIALS } from './access-patterns';

const row = (application: string, outcome: string, count: number, purposeCode = 'p1') => ({
  applicationId: `id-${application}`,
  application,
  purposeCode,
  outcome,
  count,
});

describe('detectDenialSpikes', () => {
  it('flags an application whose denials reach the minimum and the factor over the previous period', () => {
    const spikes = detectDenialSpikes(
      [row('crm', 'deny', 25, 'a'), row('crm', 'deny', 5, 'b'), row('crm', 'allow', 1000)],
      [row('crm', 'deny', 10)],
    );
    expect(spikes).toEqual([
      {
        applicationId: 'id-crm',
        application: 'crm',
        denials: 30,
        previousDenials: 10,
        ratio: 3,
        purposes: ['a', 'b'],
      },
    ]);
  });

  it('does not flag a steady rate, nor a small count from nothing', () => {
    expect(detectDenialSpikes([row('crm', 'deny', 29)], [row('crm', 'deny', 10)])).toEqual([]);
    expect(detectDenialSpikes([row('crm', 'deny', SPIKE_MIN_DENIALS - 1)], [])).toEqual([]);
  });

  it('treats an empty previous period as one denial', () => {
    const [spike] = detectDenialSpikes([row('crm', 'denied', SPIKE_MIN_DENIALS)], []);
    expect(spike).toMatchObject({ denials: SPIKE_MIN_DENIALS, previousDenials: 0, ratio: null });
    expect(SPIKE_MIN_DENIALS).toBeGreaterThanOrEqual(SPIKE_FACTOR);
  });

  it('ignores allowed decisions and orders spikes by size', () => {
    const spikes = detectDenialSpikes(
      [row('a', 'deny', 12), row('b', 'deny', 40), row('c', 'allow', 500)],
      [],
    );
    expect(spikes.map((s) => s.application)).toEqual(['b', 'a']);
    expect(isDenial('ALLOW')).toBe(false);
  });
});
