import { Module } from '@nestjs/common';
import { RetentionPresetsController } from './presets/retention-presets.controller';
import { RetentionPresetsService } from './presets/retention-presets.service';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConsentsModule } from '../consents/consents.module';
import { InventoryModule } from '../inventory/inventory.module';
import { InventoryReadModel } from '../inventory/inventory-read-model.service';
import { LegalHoldsModule } from '../legal-holds/legal-holds.module';
import { PurposesModule } from '../purposes/purposes.module';
import { ManualTaskEntity } from './entities/manual-task.entity';
import { PurgeBatchEntity } from './entities/purge-batch.entity';
import { RetentionRunDatasetEntity } from './entities/retention-run-dataset.entity';
import { RetentionRunEntity } from './entities/retention-run.entity';
import { ManualTaskRepository } from './executors/manual/manual-task.repository';
import { MysqlCustomerDatabase } from './executors/mysql/mysql-customer-database';
import { PostgresCustomerDatabase } from './executors/postgres/customer-database';
import { SYSTEM_EXECUTOR_PROVIDERS } from './executors/system-executors';
import { WebhookDeliveryRepository } from './executors/webhook/webhook-delivery.repository';
import { WebhookDeliveryService } from './executors/webhook/webhook-delivery.service';
import { ArchivePhaseRepository } from './ledger/archive-phase.repository';
import { PurgeBatchLedger } from './ledger/purge-batch-ledger';
import { PurgeBatchRepository } from './ledger/purge-batch.repository';
import { RetentionRunRepository } from './ledger/retention-run.repository';
import { RetentionSummaryRepository } from './ledger/retention-summary.repository';
import { RunLifecycle } from './ledger/run-lifecycle.service';
import { RunDatasetRepository } from './ledger/run-dataset.repository';
import { RunLease } from './ledger/run-lease';
import { PurgeInputsReader } from './purge-inputs.reader';
import { RetentionConsentListener } from './retention-consent.listener';
import { RetentionPlanSource } from './retention-plan.source';
import { RetentionRunner } from './retention-runner.service';
import { RetentionScheduler } from './retention-scheduler.service';
import { RetentionController } from './retention.controller';
import { RetentionService } from './retention.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([
      RetentionRunEntity,
      RetentionRunDatasetEntity,
      PurgeBatchEntity,
      ManualTaskEntity,
    ]),
    PurposesModule,
    ConsentsModule,
    InventoryModule,
    LegalHoldsModule,
  ],
  controllers: [RetentionController, RetentionPresetsController],
  providers: [
    RetentionPresetsService,
    { provide: RetentionPlanSource, useExisting: InventoryReadModel },
    // The run ledger: repositories (its SQL), the lease, the batch protocol, the end of a run.
    RetentionRunRepository,
    RunDatasetRepository,
    PurgeBatchRepository,
    RetentionSummaryRepository,
    RunLease,
    ArchivePhaseRepository,
    PurgeBatchLedger,
    RunLifecycle,
    // The executors, one per system kind, and what they share.
    PurgeInputsReader,
    PostgresCustomerDatabase,
    MysqlCustomerDatabase,
    WebhookDeliveryRepository,
    WebhookDeliveryService,
    ManualTaskRepository,
    ...SYSTEM_EXECUTOR_PROVIDERS,
    RetentionRunner,
    RetentionService,
    RetentionConsentListener,
    RetentionScheduler,
  ],
  exports: [RetentionService, RetentionPresetsService],
})
export class RetentionModule {}
