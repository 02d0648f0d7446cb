import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { configureApp, createHttpAdapter } from './app.setup';
import { loadAppConfigFromProcessOrExit } from './config/app-config';

async function bootstrap(): Promise<void> {
  const config = loadAppConfigFromProcessOrExit();
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    createHttpAdapter(config),
    { bufferLogs: true, bodyParser: false },
  );
  configureApp(app, config);
  // Every interface, as Express did (Fastify alone would listen on localhost only).
  await app.listen(config.PORT, '0.0.0.0');
}

void bootstrap();
