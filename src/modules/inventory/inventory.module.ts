import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecretCipher } from '../../common/secrets/secret-cipher';
import { AppConfig } from '../../config/app-config';
import { ProcessorsModule } from '../processors/processors.module';
import { PurposesModule } from '../purposes/purposes.module';
import { FieldPurposeEntity } from './entities/field-purpose.entity';
import { InventoryDatasetEntity } from './entities/inventory-dataset.entity';
import { InventorySystemEntity } from './entities/inventory-system.entity';
import { PersonalFieldEntity } from './entities/personal-field.entity';
import { SystemScanEntity } from './entities/system-scan.entity';
import { FieldsController } from './fields.controller';
import { DatasetsService } from './datasets.service';
import { FieldsService } from './fields.service';
import { InventoryRepository } from './inventory.repository';
import { InventoryChanges } from './inventory-changes';
import { InventoryReadModel } from './inventory-read-model.service';
import { RegisterController } from './register.controller';
import { RegisterExportService } from './register-export.service';
import { RegisterImportService } from './register-import.service';
import { RegisterInventoryApplier } from './register-inventory-applier';
import { RegisterPurposesApplier } from './register-purposes-applier';
import { SystemScanService } from './system-scan.service';
import { SystemSecrets } from './system-secrets';
import { SystemsController } from './systems.controller';
import { SystemsService } from './systems.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([
      InventorySystemEntity,
      InventoryDatasetEntity,
      PersonalFieldEntity,
      FieldPurposeEntity,
      SystemScanEntity,
    ]),
    PurposesModule,
    ProcessorsModule,
  ],
  controllers: [SystemsController, FieldsController, RegisterController],
  providers: [
    { provide: SecretCipher, inject: [AppConfig], useFactory: (c: AppConfig) => SecretCipher.fromConfig(c) },
    SystemSecrets,
    InventoryRepository,
    InventoryChanges,
    InventoryReadModel,
    SystemsService,
    DatasetsService,
    FieldsService,
    SystemScanService,
    RegisterExportService,
    RegisterPurposesApplier,
    RegisterInventoryApplier,
    RegisterImportService,
  ],
  exports: [InventoryReadModel, SystemsService],
})
export class InventoryModule {}
