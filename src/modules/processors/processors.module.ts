import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProcessorEntity } from './entities/processor.entity';
import { ProcessorVersionEntity } from './entities/processor-version.entity';
import { ProcessorsController } from './processors.controller';
import { ProcessorsRepository } from './processors.repository';
import { ProcessorsService } from './processors.service';

/**
 * The processor register (art. 28) and the transfers outside the EEA it implies (art. 44–49).
 * Depends on no other register module: systems and purposes name processors through
 * ProcessorsService, and the reports read it through a port.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ProcessorEntity, ProcessorVersionEntity])],
  controllers: [ProcessorsController],
  providers: [ProcessorsService, ProcessorsRepository],
  exports: [ProcessorsService],
})
export class ProcessorsModule {}
