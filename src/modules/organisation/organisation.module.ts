import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ControllerOrganisationEntity } from './entities/controller-organisation.entity';
import { OrganisationController } from './organisation.controller';
import { OrganisationRepository } from './organisation.repository';
import { OrganisationService } from './organisation.service';

/**
 * The organisation-level part of the register (art. 30(1)(a)): who the controller is, its DPO and
 * its EU representative. A module of its own so that the reports read it through a port like
 * every other source, and a deployment without it says so.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ControllerOrganisationEntity])],
  controllers: [OrganisationController],
  providers: [OrganisationService, OrganisationRepository],
  exports: [OrganisationService],
})
export class OrganisationModule {}
