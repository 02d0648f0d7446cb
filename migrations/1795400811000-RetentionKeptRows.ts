import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rows a purge keeps something of, and why (ADR 0051): `constraint:<name>` (a wholly due row that
 * another row references, anonymised instead of deleted) or `field:<key>` (a field whose strategy
 * cannot apply, e.g. "nullify" on a NOT NULL column). Counted per batch with its other counts, so
 * exactly once, and summed per dataset.
 */
export class RetentionKeptRows1795400811000 implements MigrationInterface {
  name = 'RetentionKeptRows1795400811000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE purge_batch ADD COLUMN rows_kept jsonb NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE retention_run_dataset ADD COLUMN rows_kept jsonb NOT NULL DEFAULT '{}'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE retention_run_dataset DROP COLUMN rows_kept`);
    await q.query(`ALTER TABLE purge_batch DROP COLUMN rows_kept`);
  }
}
