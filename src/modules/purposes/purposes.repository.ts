import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, DeepPartial, EntityManager } from 'typeorm';
import { PurposeEntity } from './entities/purpose.entity';
import { PurposeVersionEntity } from './entities/purpose-version.entity';

/**
 * The SQL of the purpose register (purpose, purpose_version). No rule: the purpose services
 * decide; every write and lock takes the caller's transaction manager.
 */
@Injectable()
export class PurposesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** Every purpose (the register is small: one read, rules resolved in memory). */
  findAll(m: EntityManager): Promise<PurposeEntity[]> {
    return m.find(PurposeEntity);
  }

  lock(m: EntityManager, code: string): Promise<PurposeEntity | null> {
    return m.findOne(PurposeEntity, { where: { code }, lock: { mode: 'pessimistic_write' } });
  }

  newPurpose(m: EntityManager, init: DeepPartial<PurposeEntity>): PurposeEntity {
    return m.create(PurposeEntity, init);
  }

  save(m: EntityManager, purpose: PurposeEntity): Promise<PurposeEntity> {
    return m.save(PurposeEntity, purpose);
  }

  async delete(m: EntityManager, id: string): Promise<void> {
    await m.delete(PurposeEntity, { id });
  }

  countChildren(m: EntityManager, code: string): Promise<number> {
    return m.count(PurposeEntity, { where: { parentCode: code } });
  }

  /** Every version of a purpose, oldest first. */
  history(code: string): Promise<PurposeVersionEntity[]> {
    return this.manager.find(PurposeVersionEntity, {
      where: { code },
      order: { changedAt: 'ASC', version: 'ASC' },
    });
  }

  async insertVersion(m: EntityManager, version: Omit<PurposeVersionEntity, 'id'>): Promise<void> {
    await m.save(Object.assign(new PurposeVersionEntity(), version));
  }
}
