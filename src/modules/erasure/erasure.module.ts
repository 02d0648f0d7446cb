import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RetentionModule } from '../retention/retention.module';
import { ErasureRequestEntity } from './entities/erasure-request.entity';
import { ErasureController } from './erasure.controller';
import { ErasureRunListener } from './erasure.listener';
import { ErasureRepository } from './erasure.repository';
import { ErasureService } from './erasure.service';

@Module({
  imports: [TypeOrmModule.forFeature([ErasureRequestEntity]), RetentionModule],
  controllers: [ErasureController],
  providers: [ErasureService, ErasureRepository, ErasureRunListener],
  exports: [ErasureService],
})
export class ErasureModule {}
