import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LegalHoldEntity } from './entities/legal-hold.entity';
import { LegalHoldsController } from './legal-holds.controller';
import { LegalHoldsRepository } from './legal-holds.repository';
import { LegalHoldsService } from './legal-holds.service';

@Module({
  imports: [TypeOrmModule.forFeature([LegalHoldEntity])],
  controllers: [LegalHoldsController],
  providers: [LegalHoldsService, LegalHoldsRepository],
  exports: [LegalHoldsService],
})
export class LegalHoldsModule {}
