import type { IncomingMessage } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import type { Logger as PinoRootLogger } from 'pino';
import { AppConfig } from './config/app-config';
import { HttpErrorFilter } from './common/errors/http-error.filter';
import { createValidationPipe } from './common/errors/validation';
import { registerBodyParsers } from './common/http/body-parsers';
import { registerSecurityHeaders } from './common/http/security-headers';
import { APPLICATION_LOGGER, registerAccessLog } from './common/logging/http-logging';
import { registerRequestContext, requestIdFor } from './common/request-context';
import { registerConsole } from './modules/console/console-static';

/**
 * The HTTP adapter (Fastify, ADR 0044): body limit, no trust in proxy headers. Fastify never sends
 * X-Powered-By. Created by main.ts and the e2e tests alike.
 */
export function createHttpAdapter(config: AppConfig): FastifyAdapter {
  const errors = new HttpErrorFilter(config);
  return new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: false,
    // Long path parameters reach the route and its validation (a 400 naming the parameter), as
    // with Express; Fastify's default (100 characters) would refuse some legitimate subject ids.
    routerOptions: { maxParamLength: 1024 },
    // Fastify's own ids (req-1, req-2…) would reach the logs and the audit trail through middie's
    // copy on the raw request: ours instead (the caller's X-Request-Id when well-formed, else a UUID).
    genReqId: (req: IncomingMessage) => requestIdFor(req),
    // Errors Fastify's router raises before any route (undecodable URL, over-long parameter):
    // the one error shape too.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const body = errors.toBody(error);
      void reply.code(body.statusCode).send(body);
    },
  });
}

/**
 * Everything main.ts does to the app besides listening, shared with the e2e tests so that
 * they exercise exactly the production pipeline (body limits, validation, errors, docs).
 */
export function configureApp(app: NestFastifyApplication, config: AppConfig): void {
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance();
  // The request id and context, and the access line: Fastify hooks, not middlewares (ADR 0053).
  registerRequestContext(fastify);
  registerAccessLog(fastify, app.get<PinoRootLogger>(APPLICATION_LOGGER));
  // Ours instead of Fastify's: JSON depth checked before parsing, strict JSON, text and YAML as
  // strings, NDJSON left unread for the consent import to stream (src/common/http/body-parsers.ts).
  registerBodyParsers(fastify, config.BODY_LIMIT_BYTES);
  // helmet's headers, computed once: a strict CSP on the API, the Swagger UI's at /docs.
  registerSecurityHeaders(fastify);
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      maxAge: 600,
    });
  }
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  // The built web console at /console/ (absent until `npm run build` built web/).
  registerConsole(app);
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
