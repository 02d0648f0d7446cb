import { Module } from '@nestjs/common';
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
import { PostgresExecutor } from './executors/postgres-executor';
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
  controllers: [RetentionController],
  providers: [
    { provide: RetentionPlanSource, useExisting: InventoryReadModel },
    PostgresExecutor,
    RetentionRunner,
    RetentionService,
    RetentionScheduler,
  ],
  exports: [RetentionService],
})
export class RetentionModule {}
