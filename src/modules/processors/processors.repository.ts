import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { ProcessorEntity } from './entities/processor.entity';
import { ProcessorVersionEntity } from './entities/processor-version.entity';

/** The SQL of the processor register (processor, processor_version). No rule: ProcessorsService decides. */
@Injectable()
export class ProcessorsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  list(m: EntityManager = this.manager): Promise<ProcessorEntity[]> {
    return m.find(ProcessorEntity, { order: { code: 'ASC' } });
  }

  find(code: string, m: EntityManager = this.manager): Promise<ProcessorEntity | null> {
    return m.findOne(ProcessorEntity, { where: { code } });
  }

  lock(m: EntityManager, code: string): Promise<ProcessorEntity | null> {
    return m.findOne(ProcessorEntity, { where: { code }, lock: { mode: 'pessimistic_write' } });
  }

  async existingCodes(m: EntityManager, codes: string[]): Promise<Set<string>> {
    if (codes.length === 0) return new Set();
    const rows = await m.find(ProcessorEntity, { select: { code: true }, where: { code: In(codes) } });
    return new Set(rows.map((r) => r.code));
  }

  create(m: EntityManager, row: Partial<ProcessorEntity>): ProcessorEntity {
    return m.create(ProcessorEntity, row);
  }

  save(m: EntityManager, row: ProcessorEntity): Promise<ProcessorEntity> {
    return m.save(ProcessorEntity, row);
  }

  async delete(m: EntityManager, id: string): Promise<void> {
    await m.delete(ProcessorEntity, { id });
  }

  /** The last version number a code had (its history outlives a removal): 0 for a new code. */
  async lastVersion(m: EntityManager, code: string): Promise<number> {
    const row = await m
      .createQueryBuilder(ProcessorVersionEntity, 'v')
      .select('MAX(v.version)', 'max')
      .where('v.code = :code', { code })
      .getRawOne<{ max: number | null }>();
    return Number(row?.max ?? 0);
  }

  history(code: string): Promise<ProcessorVersionEntity[]> {
    return this.manager.find(ProcessorVersionEntity, { where: { code }, order: { version: 'ASC' } });
  }

  async insertVersion(m: EntityManager, version: Omit<ProcessorVersionEntity, 'id'>): Promise<void> {
    await m.save(Object.assign(new ProcessorVersionEntity(), version));
  }
}
