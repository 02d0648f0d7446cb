import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, DeepPartial, EntityManager, IsNull, Not } from 'typeorm';
import { inTransaction } from '../../database/transaction';
import { LegalHoldEntity } from './entities/legal-hold.entity';

/** A hold that may cover a dataset, as the coverage query returns it. */
export interface CoveringHoldRow {
  id: string;
  scope: string;
  subject_id: string | null;
  reason: string;
}

/** The SQL of legal holds (legal_hold); what a hold covers and when it is in force is the service's. */
@Injectable()
export class LegalHoldsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource, work);
  }

  insert(m: EntityManager, init: DeepPartial<LegalHoldEntity>): Promise<LegalHoldEntity> {
    return m.save(m.create(LegalHoldEntity, init));
  }

  save(m: EntityManager, hold: LegalHoldEntity): Promise<LegalHoldEntity> {
    return m.save(hold);
  }

  find(id: string): Promise<LegalHoldEntity | null> {
    return this.manager.findOne(LegalHoldEntity, { where: { id } });
  }

  lock(m: EntityManager, id: string): Promise<LegalHoldEntity | null> {
    return m.findOne(LegalHoldEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Up to 1,000 holds, newest first: lifted ones, unlifted ones, or all. */
  list(lifted: boolean | undefined): Promise<LegalHoldEntity[]> {
    return this.manager.find(LegalHoldEntity, {
      where: lifted === true ? { liftedAt: Not(IsNull()) } : lifted === false ? { liftedAt: IsNull() } : {},
      order: { placedAt: 'DESC', id: 'ASC' },
      take: 1000,
    });
  }

  /**
   * Unlifted, unexpired holds on subjects, on this dataset or on its system, oldest first. `m`:
   * the caller's transaction (a purge batch re-reads them before every batch).
   */
  coveringHolds(m: EntityManager, systemCode: string, datasetId: string): Promise<CoveringHoldRow[]> {
    return m.query<CoveringHoldRow[]>(
      `SELECT id, scope, subject_id, reason FROM legal_hold
        WHERE lifted_at IS NULL AND (ends_at IS NULL OR ends_at > now())
          AND (scope = 'subject' OR (scope = 'dataset' AND dataset_id = $1) OR (scope = 'system' AND system_code = $2))
        ORDER BY placed_at, id`,
      [datasetId, systemCode],
    );
  }
}
