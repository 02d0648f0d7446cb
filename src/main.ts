import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { describeListenFailure } from './common/errors/listen-failure';
import { loadAppConfigFromProcessOrExit } from './config/app-config';
import { BootstrapAdminService } from './modules/auth/bootstrap-admin.service';

async function bootstrap(): Promise<void> {
  const config = loadAppConfigFromProcessOrExit();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  configureApp(app, config);
  try {
    await app.listen(config.PORT);
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
