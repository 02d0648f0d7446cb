import { MemoryRateLimitStorage } from './rate-limit.storage';

describe('MemoryRateLimitStorage', () => {
  afterEach(() => jest.useRealTimers());

  it('counts per key and window, blocks beyond the limit, and starts again after the block', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const storage = new MemoryRateLimitStorage();
    const hit = (key = 'key:a') => storage.increment(key, 60_000, 3, 60_000, 'default');
    expect(await hit()).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    await hit();
    expect((await hit()).isBlocked).toBe(false);
    expect(await hit()).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 60 });
    expect((await hit('key:b')).isBlocked).toBe(false);
    jest.setSystemTime(1_000_000 + 30_000);
    expect(await hit()).toMatchObject({ isBlocked: true, timeToBlockExpire: 30 });
    jest.setSystemTime(1_000_000 + 60_001);
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
    storage.onModuleDestroy();
  });
});
