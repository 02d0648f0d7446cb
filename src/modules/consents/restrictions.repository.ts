import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { SubjectRestrictionEntity } from './entities/subject-restriction.entity';

/** A restriction or objection as set (art. 18, art. 21), before its id is issued. */
export type RestrictionWrite = Pick<
  SubjectRestrictionEntity,
  'subjectId' | 'kind' | 'purposeCodes' | 'reason' | 'setAt' | 'setBy'
>;

/**
 * The SQL of subject_restriction. Which restriction may be set or lifted, and by whom, is
 * RestrictionsService's rule; the writes take the caller's transaction.
 */
@Injectable()
export class RestrictionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  insert(m: EntityManager, restriction: RestrictionWrite): Promise<SubjectRestrictionEntity> {
    return m.save(
      m.create(SubjectRestrictionEntity, {
        ...restriction,
        liftedAt: null,
        liftedBy: null,
        liftReason: null,
      }),
    );
  }

  /** The subject's restriction, locked until the transaction ends (a concurrent lift waits). */
  findForUpdate(m: EntityManager, subjectId: string, id: string): Promise<SubjectRestrictionEntity | null> {
    return m.findOne(SubjectRestrictionEntity, {
      where: { id, subjectId },
      lock: { mode: 'pessimistic_write' },
    });
  }

  save(m: EntityManager, restriction: SubjectRestrictionEntity): Promise<SubjectRestrictionEntity> {
    return m.save(restriction);
  }

  /** Every restriction of the subject, lifted or not, newest first. */
  listForSubject(subjectId: string): Promise<SubjectRestrictionEntity[]> {
    return this.dataSource.manager.find(SubjectRestrictionEntity, {
      where: { subjectId },
      order: { setAt: 'DESC' },
    });
  }
}
