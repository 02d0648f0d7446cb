import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { httpLoggingOptions } from './common/logging/http-logging';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { HttpErrorFilter } from './common/errors/http-error.filter';
import { requestContextMiddleware } from './common/request-context';
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
export class AppModule implements NestModule {
  /** config: validated AppConfig (main.ts builds it from process.env; tests from an explicit map). */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: httpLoggingOptions(config.LOG_LEVEL),
        }),
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
      providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(requestContextMiddleware).forRoutes('*path');
  }
}
