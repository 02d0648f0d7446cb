import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { loadAppConfigFromProcessOrExit } from './config/app-config.loader';

/**
 * The job worker process (`npm run start:worker`): the same modules as the API, without HTTP,
 * consuming jobs (BullMQ when REDIS_URL is set). It also resumes, from PostgreSQL, the retention
 * runs a dead worker left unfinished. Several workers may run side by side: run leases keep
 * each run on one worker at a time.
 */
async function bootstrap(): Promise<void> {
  const config = loadAppConfigFromProcessOrExit();
  config.JOBS_INLINE_WORKER = true;
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.init();
  process.send?.({ ready: true });
}

void bootstrap();
