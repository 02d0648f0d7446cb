import { RepeatedFailureSummariser, SummaryLogger } from './repeated-failure-summariser';

describe('RepeatedFailureSummariser', () => {
  let clock: number;
  let lines: { level: string; fields: Record<string, unknown>; message: string }[];
  let summariser: RepeatedFailureSummariser;

  beforeEach(() => {
    jest.useFakeTimers();
    clock = 0;
    lines = [];
    const logger: SummaryLogger = {
      error: (fields, message) => lines.push({ level: 'error', fields: { ...fields }, message }),
      warn: (fields, message) => lines.push({ level: 'warn', fields: { ...fields }, message }),
      log: (fields, message) => lines.push({ level: 'log', fields: { ...fields }, message }),
    };
    summariser = new RepeatedFailureSummariser(logger, 'requests refused', 10_000, () => clock);
  });

  afterEach(() => {
    summariser.stop();
    jest.useRealTimers();
  });

  const advance = (ms: number) => {
    clock += ms;
    jest.advanceTimersByTime(ms);
  };

  it('logs the first refusal with its error, then one count line per interval, then a recovery line', () => {
    const err = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    for (let i = 0; i < 8_000; i += 1) summariser.record('DATABASE_UNAVAILABLE', err);
    expect(lines).toEqual([
      { level: 'error', fields: { err, code: 'DATABASE_UNAVAILABLE' }, message: expect.any(String) },
    ]);
    advance(10_000);
    expect(lines[1]).toEqual({
      level: 'warn',
      fields: { code: 'DATABASE_UNAVAILABLE', count: 7_999 },
      message: '7999 more requests refused: DATABASE_UNAVAILABLE',
    });
    for (let i = 0; i < 3; i += 1) summariser.record('DATABASE_UNAVAILABLE', err);
    advance(10_000);
    expect(lines[2].message).toBe('3 more requests refused: DATABASE_UNAVAILABLE');
    advance(10_000); // a quiet interval: recovered
    expect(lines[3]).toEqual({
      level: 'log',
      fields: { code: 'DATABASE_UNAVAILABLE', refused: 8_003, seconds: 30 },
      message: 'Recovered from DATABASE_UNAVAILABLE: 8003 requests refused over 30 s',
    });
    advance(60_000);
    expect(lines).toHaveLength(4); // nothing while all is well (the timer stopped)

    summariser.record('DATABASE_UNAVAILABLE', err); // a new outage: its first refusal has its stack again
    expect(lines[4]).toMatchObject({ level: 'error', fields: { err } });
  });

  it('keeps one episode per code', () => {
    summariser.record('DATABASE_UNAVAILABLE', new Error('a'));
    summariser.record('AUDIT_UNAVAILABLE', new Error('b'));
    summariser.record('AUDIT_UNAVAILABLE', new Error('b'));
    expect(lines.filter((l) => l.level === 'error').map((l) => l.fields.code)).toEqual([
      'DATABASE_UNAVAILABLE',
      'AUDIT_UNAVAILABLE',
    ]);
    advance(10_000);
    expect(lines.slice(2).map((l) => l.message)).toEqual([
      'Recovered from DATABASE_UNAVAILABLE: 1 requests refused over 10 s',
      '1 more requests refused: AUDIT_UNAVAILABLE',
    ]);
  });
});
