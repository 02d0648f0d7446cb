import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { configureApp, createHttpAdapter } from './app.setup';
import { describeListenFailure } from './common/errors/listen-failure';
import { loadAppConfigFromProcessOrExit } from './config/app-config.loader';
import { BootstrapAdminService } from './modules/auth/bootstrap-admin.service';

async function bootstrap(): Promise<void> {
  const config = loadAppConfigFromProcessOrExit();
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    createHttpAdapter(config),
    { bufferLogs: true, bodyParser: false },
  );
  configureApp(app, config);
  try {
    // Every interface, as Express did (Fastify alone would listen on localhost only).
    await app.listen(config.PORT, '0.0.0.0');
  } catch (err) {
    // One structured line an operator can act on (a busy port is not a bug: no stack), then stop.
    const failure = describeListenFailure(err, config.PORT);
    if (!failure) throw err;
    // Nest flushes the logs it buffered during start-up only once listening: without this they,
    // and the reason, would be lost.
    app.flushLogs();
    new Logger('Bootstrap').fatal(failure.fields, failure.message);
    await app.close().catch(() => undefined);
    process.exit(1);
  }
  // Only once the port is bound: see BootstrapAdminService.
  await app.get(BootstrapAdminService).ensureAdmin();
}

void bootstrap();
