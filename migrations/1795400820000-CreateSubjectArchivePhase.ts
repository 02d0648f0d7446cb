import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The intermediate archive ledger (issue 15): for each subject whose rows of a dataset were moved
 * to the dataset's archive table under a purpose's archive phase, when the active phase ended and
 * until when the archive phase runs. The retention engine writes it with the batch that moved the
 * values; the access check reads it to answer ARCHIVED to a normal check once the active phase is
 * over for that subject; the engine deletes the rows when the archive phase ends.
 */
export class CreateSubjectArchivePhase1795400820000 implements MigrationInterface {
  name = 'CreateSubjectArchivePhase1795400820000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE subject_archive_phase (
        purpose_id uuid NOT NULL REFERENCES purpose (id) ON DELETE CASCADE,
        subject_id text NOT NULL,
        dataset_id uuid NOT NULL REFERENCES inventory_dataset (id) ON DELETE CASCADE,
        active_ended_at timestamptz NOT NULL,
        archive_until timestamptz NOT NULL,
        run_id uuid NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (purpose_id, subject_id, dataset_id)
      )`);
    await q.query(
      `CREATE INDEX subject_archive_phase_subject_idx ON subject_archive_phase (subject_id, purpose_id)`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE subject_archive_phase`);
  }
}
