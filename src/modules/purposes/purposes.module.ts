import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PurposeEntity } from './entities/purpose.entity';
import { PurposeVersionEntity } from './entities/purpose-version.entity';
import { PurposeFieldBindings } from './purpose-field-bindings';
import { PurposesController } from './purposes.controller';
import { PurposesRepository } from './purposes.repository';
import { PurposesService } from './purposes.service';

@Module({
  imports: [TypeOrmModule.forFeature([PurposeEntity, PurposeVersionEntity])],
  controllers: [PurposesController],
  providers: [PurposesService, PurposesRepository, PurposeFieldBindings],
  exports: [PurposesService, PurposeFieldBindings],
})
export class PurposesModule {}
