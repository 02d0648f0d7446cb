import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A deleted draft leaves a `deleted` version in the purpose's history, so that a code reused
 * later does not read as one purpose whose history restarts at version 1 with no explanation.
 */
export class RecordDeletedPurposeDrafts1795400720000 implements MigrationInterface {
  name = 'RecordDeletedPurposeDrafts1795400720000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE purpose_version DROP CONSTRAINT purpose_version_change_check`);
    await q.query(`
      ALTER TABLE purpose_version ADD CONSTRAINT purpose_version_change_check
        CHECK (change IN ('created', 'updated', 'activated', 'retired', 'deleted'))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE purpose_version DROP CONSTRAINT purpose_version_change_check`);
    // NOT VALID: history is never rewritten, so `deleted` rows written meanwhile stay.
    await q.query(`
      ALTER TABLE purpose_version ADD CONSTRAINT purpose_version_change_check
        CHECK (change IN ('created', 'updated', 'activated', 'retired')) NOT VALID`);
  }
}
