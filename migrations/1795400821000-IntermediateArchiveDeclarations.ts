import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The intermediate archive (issue 15, ADR 0052): where a purpose declares its archive phase
 * (`purpose.retention_archive`: duration and legal reason, versioned with the rest of the
 * declaration), where a dataset's archive lives (`inventory_dataset.archive_table`,
 * `schema.table` in the same database), and what a purge batch moved to or expired from the
 * archive (`purge_batch.archive_ledger`), kept with the prepared batch so that the
 * subject_archive_phase rows are written exactly once, even when the batch is recovered after a
 * crash from its prepared record.
 */
export class IntermediateArchiveDeclarations1795400821000 implements MigrationInterface {
  name = 'IntermediateArchiveDeclarations1795400821000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE purpose ADD COLUMN retention_archive jsonb`);
    await q.query(`ALTER TABLE inventory_dataset ADD COLUMN archive_table text`);
    await q.query(`ALTER TABLE purge_batch ADD COLUMN archive_ledger jsonb`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE purge_batch DROP COLUMN archive_ledger`);
    await q.query(`ALTER TABLE inventory_dataset DROP COLUMN archive_table`);
    await q.query(`ALTER TABLE purpose DROP COLUMN retention_archive`);
  }
}
