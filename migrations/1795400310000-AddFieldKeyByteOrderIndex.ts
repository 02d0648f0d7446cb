import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * InventoryService.iterateFields pages by `key COLLATE "C"` (byte order, the same order as
 * JavaScript sorting, whatever the database locale); this index serves that keyset scan
 * instead of sorting the whole table for every batch.
 */
export class AddFieldKeyByteOrderIndex1795400310000 implements MigrationInterface {
  name = 'AddFieldKeyByteOrderIndex1795400310000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX personal_field_key_c_idx ON personal_field (key COLLATE "C")`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX personal_field_key_c_idx`);
  }
}
