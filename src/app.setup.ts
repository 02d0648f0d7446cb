import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppConfig } from './config/app-config';
import { HttpErrorFilter } from './common/errors/http-error.filter';
import { createValidationPipe } from './common/errors/validation';
import { assertJsonDepth } from './common/http/json-depth';

/**
 * Everything main.ts does to the app besides listening, shared with the e2e tests so that
 * they exercise exactly the production pipeline (body limits, validation, errors, docs).
 */
export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.useBodyParser('json', {
    limit: config.BODY_LIMIT_BYTES,
    strict: true,
    // Refuse absurd nesting before parsing: validation recurses through the body.
    verify: (_req: unknown, _res: unknown, body: Buffer) => assertJsonDepth(body),
  });
  app.useBodyParser('text', {
    limit: config.BODY_LIMIT_BYTES,
    // application/x-ndjson is left unparsed: the consent import streams it (constant memory).
    type: ['text/plain', 'application/yaml', 'application/x-yaml', 'text/yaml'],
  });
  // Body-parser errors answered here, in the one error shape: past this point Nest turns a JSON
  // syntax error into a bare BadRequestException and its specific code (MALFORMED_JSON) is lost.
  const bodyErrors = new HttpErrorFilter(config);
  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const type = (err as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || !type.startsWith('entity.')) return next(err);
    const body = bodyErrors.toBody(err);
    res.status(body.statusCode).json(body);
  });
  app.use(
    helmet({
      // The Swagger UI at /docs needs inline scripts/styles; everything else is JSON.
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", "'unsafe-inline'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
        },
      },
    }),
  );
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      maxAge: 600,
    });
  }
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  if (config.SWAGGER_ENABLED) setUpOpenApi(app);
}

export function setUpOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Finalité')
      .setDescription(
        'Purpose-limitation governance (GDPR art. 5(1)(b) and (e), art. 30): the purpose register, the data ' +
          'inventory, access checks with consent, retention and a tamper-evident audit trail. ' +
          'Authenticate with `Authorization: Bearer <API key>`. Errors are `{ statusCode, error, message, details? }`.',
      )
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key (fin_…)' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Finalité API',
  });
}
