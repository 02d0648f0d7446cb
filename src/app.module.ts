import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { APPLICATION_LOGGER, loggerOptions } from './common/logging/http-logging';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { HttpErrorFilter } from './common/errors/http-error.filter';
import { DatabaseModule } from './database/database.module';
import { AuditModule } from './modules/audit/audit.module';
import { AuthModule } from './modules/auth/auth.module';
import { HealthModule } from './modules/health/health.module';
import { InventoryModule } from './modules/inventory/inventory.module';
import { PurposesModule } from './modules/purposes/purposes.module';
import { ConsentsModule } from './modules/consents/consents.module';
import { AccessModule } from './modules/access/access.module';
import { ReportsModule } from './modules/reports/reports.module';
import { OrganisationModule } from './modules/organisation/organisation.module';
import { ProcessorsModule } from './modules/processors/processors.module';
import { RetentionModule } from './modules/retention/retention.module';
import { LegalHoldsModule } from './modules/legal-holds/legal-holds.module';
import { ErasureModule } from './modules/erasure/erasure.module';
import { JobsModule } from './jobs/jobs.module';
import { PoliciesModule } from './policies/policies.module';
import { RegisterRevisionModule } from './modules/register-revision/register-revision.module';
import { EventEmitterModule } from '@nestjs/event-emitter';

@Module({})
export class AppModule {
  /** config: validated AppConfig (main.ts builds it from process.env; tests from an explicit map). */
  static forRoot(config: AppConfig): DynamicModule {
    const logger = pino(loggerOptions(config.LOG_LEVEL));
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        // The logger only: no pino-http middleware (forRoutes: none). The request context and the
        // access line are Fastify hooks (configureApp; docs/performance.md, fourth pass).
        LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] }),
        DatabaseModule,
        EventEmitterModule.forRoot({ wildcard: false }),
        PoliciesModule,
        RegisterRevisionModule,
        AuditModule,
        AuthModule,
        HealthModule,
        PurposesModule,
        InventoryModule,
        ConsentsModule,
        AccessModule,
        OrganisationModule,
        ProcessorsModule,
        ReportsModule,
        JobsModule.forRoot(config),
        LegalHoldsModule,
        RetentionModule,
        ErasureModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        { provide: APPLICATION_LOGGER, useValue: logger },
      ],
    };
  }
}
