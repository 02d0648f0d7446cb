import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the retention engine does with a dataset's rows that other rows still reference (issue
 * 15, ADR 0051): `anonymise` (the default, the behaviour so far) or `purge_children_first` (the
 * dataset is purged after the other datasets of its system in a run, so that its registered
 * child datasets delete their due rows first and fewer parent rows stay referenced). The CHECK
 * keeps a value written around the API out of the column.
 */
export class DatasetReferencedRows1795400824000 implements MigrationInterface {
  name = 'DatasetReferencedRows1795400824000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inventory_dataset
      ADD COLUMN referenced_rows text NOT NULL DEFAULT 'anonymise'
      CONSTRAINT inventory_dataset_referenced_rows_check
        CHECK (referenced_rows IN ('anonymise', 'purge_children_first'))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inventory_dataset DROP COLUMN referenced_rows`);
  }
}
