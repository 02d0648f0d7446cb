import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LegalHoldEntity } from './entities/legal-hold.entity';
import { LegalHoldsController } from './legal-holds.controller';
import { LegalHoldsService } from './legal-holds.service';

@Module({
  imports: [TypeOrmModule.forFeature([LegalHoldEntity])],
  controllers: [LegalHoldsController],
  providers: [LegalHoldsService],
  exports: [LegalHoldsService],
})
export class LegalHoldsModule {}
