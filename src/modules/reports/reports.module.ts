import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AccessService } from '../access/access.service';
import { AuditIntegrityService } from '../audit/audit-integrity.service';
import { ConsentsModule } from '../consents/consents.module';
import { ConsentsService } from '../consents/consents.service';
import { InventoryModule } from '../inventory/inventory.module';
import { InventoryReadModel } from '../inventory/inventory-read-model.service';
import { SystemsService } from '../inventory/systems.service';
import { OrganisationModule } from '../organisation/organisation.module';
import { OrganisationService } from '../organisation/organisation.service';
import { ProcessorsModule } from '../processors/processors.module';
import { ProcessorsService } from '../processors/processors.service';
import { PurposesModule } from '../purposes/purposes.module';
import { RetentionModule } from '../retention/retention.module';
import { RetentionService } from '../retention/retention.service';
import {
  accessSourceFrom,
  auditIntegritySourceFrom,
  consentSourceFrom,
  inventorySourceFrom,
  organisationSourceFrom,
  processorSourceFrom,
  retentionSourceFrom,
} from './report-source.adapters';
import {
  ACCESS_SOURCE,
  AUDIT_INTEGRITY_SOURCE,
  CONSENT_SOURCE,
  INVENTORY_SOURCE,
  ORGANISATION_SOURCE,
  PROCESSOR_SOURCE,
  RETENTION_SOURCE,
} from './report-sources';
import { DashboardController } from './posture/dashboard.controller';
import { PostureService } from './posture/posture.service';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

/** Binds a report port to a module's exported service through its adapter (null when absent). */
function source<S, P>(provide: symbol, token: abstract new (...args: never[]) => S, adapt: (s: S) => P) {
  return {
    provide,
    inject: [{ token, optional: true }],
    useFactory: (service?: S) => (service ? adapt(service) : null),
  };
}

/**
 * Compliance reports. Each data source is bound to its module's exported service through an
 * adapter (report-source.adapters.ts); reports read nothing else of other modules.
 */
@Module({
  imports: [
    PurposesModule,
    InventoryModule,
    ConsentsModule,
    AccessModule,
    RetentionModule,
    OrganisationModule,
    ProcessorsModule,
  ],
  controllers: [ReportsController, DashboardController],
  providers: [
    ReportsService,
    PostureService,
    source(AUDIT_INTEGRITY_SOURCE, AuditIntegrityService, auditIntegritySourceFrom),
    {
      provide: INVENTORY_SOURCE,
      inject: [
        { token: InventoryReadModel, optional: true },
        { token: SystemsService, optional: true },
      ],
      useFactory: (readModel?: InventoryReadModel, systems?: SystemsService) =>
        readModel && systems ? inventorySourceFrom(readModel, systems) : null,
    },
    source(CONSENT_SOURCE, ConsentsService, consentSourceFrom),
    source(ACCESS_SOURCE, AccessService, accessSourceFrom),
    source(RETENTION_SOURCE, RetentionService, retentionSourceFrom),
    source(ORGANISATION_SOURCE, OrganisationService, organisationSourceFrom),
    source(PROCESSOR_SOURCE, ProcessorsService, processorSourceFrom),
  ],
})
export class ReportsModule {}
