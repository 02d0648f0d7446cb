/**
 * What a suite starts once for all its tests, as beforeAll and afterAll of the calling describe:
 * `start()` runs before its first test, and what it started is closed after its last (not when
 * it failed to start). Returns that object, empty until then and filled in by beforeAll: read it
 * in tests and later hooks, not while the suite is being declared. `start` must give a plain
 * object of its own properties (TestApp, RetentionSuite), as they are copied onto it.
 */
export function startForSuite<T extends { close(): Promise<void> }>(start: () => Promise<T>): T {
  const started = {} as T;
  let ready = false;
  beforeAll(async () => {
    Object.assign(started, await start());
    ready = true;
  });
  afterAll(async () => {
    if (ready) await started.close();
  });
  return started;
}
