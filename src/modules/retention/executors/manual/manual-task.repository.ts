import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../../../policies/principal';
import { ManualTaskEntity, ManualTaskStatus } from '../../entities/manual-task.entity';

/** The SQL of `manual_task`. */
@Injectable()
export class ManualTaskRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(
    m: EntityManager,
    task: Pick<
      ManualTaskEntity,
      'runId' | 'runDatasetId' | 'systemCode' | 'datasetId' | 'datasetName' | 'instructions' | 'subjectIds'
    >,
  ): Promise<void> {
    await m.insert(ManualTaskEntity, {
      ...task,
      status: 'open',
      rowsDeleted: null,
      rowsAnonymised: null,
      note: null,
      completedBy: null,
      completedAt: null,
      createdAt: new Date(),
    });
  }

  async markDone(
    m: EntityManager,
    id: string,
    report: { deleted: number; anonymised: number; note?: string },
    actor: Actor,
  ): Promise<void> {
    await m.update(
      ManualTaskEntity,
      { id },
      {
        status: 'done',
        rowsDeleted: report.deleted,
        rowsAnonymised: report.anonymised,
        note: report.note ?? null,
        completedBy: actor,
        completedAt: new Date(),
      },
    );
  }

  async cancelOpen(m: EntityManager, runId: string): Promise<void> {
    await m.query(`UPDATE manual_task SET status = 'cancelled' WHERE run_id = $1 AND status = 'open'`, [
      runId,
    ]);
  }

  find(id: string): Promise<ManualTaskEntity | null> {
    return this.dataSource.manager.findOneBy(ManualTaskEntity, { id });
  }

  list(status: ManualTaskStatus | 'all'): Promise<ManualTaskEntity[]> {
    return this.dataSource.manager.find(ManualTaskEntity, {
      where: status === 'all' ? {} : { status },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: 500,
    });
  }
}
