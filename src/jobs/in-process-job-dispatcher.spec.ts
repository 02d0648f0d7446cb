import { InProcessJobDispatcher } from './in-process-job-dispatcher';
import { JobHandlerRegistry } from './job-handler-registry';

describe('InProcessJobDispatcher shutdown', () => {
  afterEach(() => jest.useRealTimers());

  it('leaves no timer behind once its jobs are done (a stopped process exits at once)', async () => {
    jest.useFakeTimers();
    const registry = new JobHandlerRegistry();
    const dispatcher = new InProcessJobDispatcher(registry);
    await dispatcher.upsertSchedule({ id: 'nightly', jobName: 'noop', cron: '0 3 * * *', data: {} });
    await dispatcher.beforeApplicationShutdown();
    expect(jest.getTimerCount()).toBe(0);
  });
});
