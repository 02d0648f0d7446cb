import { Test } from '@nestjs/testing';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { RedisHealthIndicator } from './redis.health';

/** Liveness answers without terminus' machinery: exactly what terminus answers, before and during shutdown. */
describe('HealthController.live', () => {
  async function start() {
    const module = await Test.createTestingModule({
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [{ provide: RedisHealthIndicator, useValue: { configured: false } }],
    }).compile();
    return { module, controller: module.get(HealthController), terminus: module.get(HealthCheckService) };
  }

  const failureOf = async (work: () => unknown) => {
    try {
      await work();
    } catch (e) {
      return {
        status: (e as { getStatus(): number }).getStatus(),
        body: (e as { getResponse(): unknown }).getResponse(),
      };
    }
    throw new Error('expected a failure');
  };

  it('answers what terminus answers for a check without indicators', async () => {
    const { module, controller, terminus } = await start();
    expect(controller.live()).toEqual(await terminus.check([]));
    await module.close();
  });

  it('answers 503 shutting_down once the application stops, as terminus does', async () => {
    const { module, controller, terminus } = await start();
    // Runs every beforeApplicationShutdown hook (terminus' executor's and the controller's), then closes.
    await module.close();
    const ours = await failureOf(() => controller.live());
    expect(ours).toEqual(await failureOf(() => terminus.check([])));
    expect(ours.status).toBe(503);
  });
});
