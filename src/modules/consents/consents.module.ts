import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PurposesModule } from '../purposes/purposes.module';
import { ConsentsController } from './consents.controller';
import { ConsentsRepository } from './consents.repository';
import { ConsentsService } from './consents.service';
import { ConsentEventEntity } from './entities/consent-event.entity';
import { ConsentStateEntity } from './entities/consent-state.entity';
import { SubjectInteractionEntity } from './entities/subject-interaction.entity';
import { SubjectRestrictionEntity } from './entities/subject-restriction.entity';
import { InteractionsController } from './interactions.controller';
import { InteractionsRepository } from './interactions.repository';
import { InteractionsService } from './interactions.service';
import { RestrictionsController } from './restrictions.controller';
import { RestrictionsRepository } from './restrictions.repository';
import { RestrictionsService } from './restrictions.service';
import { SubjectStateService } from './subject-state.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([
      ConsentEventEntity,
      ConsentStateEntity,
      SubjectRestrictionEntity,
      SubjectInteractionEntity,
    ]),
    PurposesModule,
  ],
  controllers: [ConsentsController, RestrictionsController, InteractionsController],
  providers: [
    ConsentsService,
    ConsentsRepository,
    RestrictionsService,
    RestrictionsRepository,
    SubjectStateService,
    InteractionsService,
    InteractionsRepository,
  ],
  exports: [ConsentsService, SubjectStateService, InteractionsService],
})
export class ConsentsModule {}
