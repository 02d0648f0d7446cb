import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The NOT NULL columns a catalogue scan found (field keys), so that a field left on "nullify"
 * over such a column is flagged when registered and listed in the gaps report (ADR 0051).
 */
export class SystemScanNotNullColumns1795400812000 implements MigrationInterface {
  name = 'SystemScanNotNullColumns1795400812000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE system_scan ADD COLUMN not_null jsonb NOT NULL DEFAULT '[]'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE system_scan DROP COLUMN not_null`);
  }
}
