import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PurposesModule } from '../purposes/purposes.module';
import { ConsentsController } from './consents.controller';
import { ConsentsRepository } from './consents.repository';
import { ConsentsService } from './consents.service';
import { ConsentEventEntity } from './entities/consent-event.entity';
import { ConsentStateEntity } from './entities/consent-state.entity';
import { SubjectRestrictionEntity } from './entities/subject-restriction.entity';
import { RestrictionsController } from './restrictions.controller';
import { RestrictionsRepository } from './restrictions.repository';
import { RestrictionsService } from './restrictions.service';
import { SubjectStateService } from './subject-state.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([ConsentEventEntity, ConsentStateEntity, SubjectRestrictionEntity]),
    PurposesModule,
  ],
  controllers: [ConsentsController, RestrictionsController],
  providers: [
    ConsentsService,
    ConsentsRepository,
    RestrictionsService,
    RestrictionsRepository,
    SubjectStateService,
  ],
  exports: [ConsentsService, SubjectStateService],
})
export class ConsentsModule {}
