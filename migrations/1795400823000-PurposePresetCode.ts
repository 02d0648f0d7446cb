import { MigrationInterface, QueryRunner } from 'typeorm';

/** The CNIL preset a purpose was drafted from (GET /retention/presets), if any (ADR 0054). */
export class PurposePresetCode1795400823000 implements MigrationInterface {
  name = 'PurposePresetCode1795400823000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE purpose ADD COLUMN preset_code text`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE purpose DROP COLUMN preset_code`);
  }
}
