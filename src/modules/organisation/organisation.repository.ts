import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, DeepPartial, EntityManager } from 'typeorm';
import { ControllerOrganisationEntity, ORGANISATION_ROW_ID } from './entities/controller-organisation.entity';

/** The SQL of the one controller-organisation row; versions and audit are OrganisationService's. */
@Injectable()
export class OrganisationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  find(m: EntityManager = this.dataSource.manager): Promise<ControllerOrganisationEntity | null> {
    return m.findOne(ControllerOrganisationEntity, { where: { id: ORGANISATION_ROW_ID } });
  }

  lock(m: EntityManager): Promise<ControllerOrganisationEntity | null> {
    return m.findOne(ControllerOrganisationEntity, {
      where: { id: ORGANISATION_ROW_ID },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /** Inserts or replaces the row (its id is fixed). */
  save(
    m: EntityManager,
    row: Omit<DeepPartial<ControllerOrganisationEntity>, 'id'>,
  ): Promise<ControllerOrganisationEntity> {
    return m.save(m.create(ControllerOrganisationEntity, { ...row, id: ORGANISATION_ROW_ID }));
  }
}
