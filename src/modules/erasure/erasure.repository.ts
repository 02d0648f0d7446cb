import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, DeepPartial, EntityManager } from 'typeorm';
import { inTransaction } from '../../database/transaction';
import { ErasureRequestEntity } from './entities/erasure-request.entity';

/** The SQL of art. 17 requests (erasure_request); the rules are ErasureService's. */
@Injectable()
export class ErasureRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction (the outcome of a run and its audit event commit together). */
  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource, work);
  }

  insert(m: EntityManager, init: DeepPartial<ErasureRequestEntity>): Promise<ErasureRequestEntity> {
    return m.save(m.create(ErasureRequestEntity, init));
  }

  save(m: EntityManager, request: ErasureRequestEntity): Promise<ErasureRequestEntity> {
    return m.save(request);
  }

  findForSubject(subjectId: string, id: string): Promise<ErasureRequestEntity | null> {
    return this.dataSource.manager.findOneBy(ErasureRequestEntity, { id, subjectId });
  }

  /** The subject's last 100 requests, newest first. */
  listForSubject(subjectId: string): Promise<ErasureRequestEntity[]> {
    return this.dataSource.manager.find(ErasureRequestEntity, {
      where: { subjectId },
      order: { requestedAt: 'DESC', id: 'ASC' },
      take: 100,
    });
  }

  lockByRun(m: EntityManager, runId: string): Promise<ErasureRequestEntity | null> {
    return m.findOne(ErasureRequestEntity, { where: { runId }, lock: { mode: 'pessimistic_write' } });
  }
}
