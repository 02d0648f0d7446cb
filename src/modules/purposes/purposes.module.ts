import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProcessorsModule } from '../processors/processors.module';
import { PurposeEntity } from './entities/purpose.entity';
import { PurposeVersionEntity } from './entities/purpose-version.entity';
import { PurposeDeclarationsService } from './purpose-declarations.service';
import { PurposeFieldBindings } from './purpose-field-bindings';
import { PurposeHistoryWriter } from './purpose-history.writer';
import { PurposeLifecycleService } from './purpose-lifecycle.service';
import { PurposeRegisterReader } from './purpose-register.reader';
import { PurposesController } from './purposes.controller';
import { PurposesRepository } from './purposes.repository';
import { PurposeQueriesService } from './purpose-queries.service';
import { PurposesService } from './purposes.service';

@Module({
  imports: [TypeOrmModule.forFeature([PurposeEntity, PurposeVersionEntity]), ProcessorsModule],
  controllers: [PurposesController],
  providers: [
    PurposesService,
    PurposeDeclarationsService,
    PurposeLifecycleService,
    PurposeHistoryWriter,
    PurposeRegisterReader,
    PurposeQueriesService,
    PurposesRepository,
    PurposeFieldBindings,
  ],
  exports: [PurposesService, PurposeQueriesService, PurposeFieldBindings],
})
export class PurposesModule {}
