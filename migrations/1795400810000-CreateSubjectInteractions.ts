import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Contacts coming from a data subject (issue 15, ADR 0051): a purchase, a reply, a sign-in… that
 * an application records so that a `last_interaction` retention clock restarts for that subject.
 * Never updated; read by retention as "the latest contact of each subject since a date".
 */
export class CreateSubjectInteractions1795400810000 implements MigrationInterface {
  name = 'CreateSubjectInteractions1795400810000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE subject_interaction (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subject_id text NOT NULL,
        kind text NOT NULL,
        source text NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        recorded_by text NOT NULL,
        import_id uuid,
        request_id text
      )`);
    // Retention reads the latest contact per subject since a date, for all subjects or some.
    await q.query(
      `CREATE INDEX subject_interaction_subject_idx ON subject_interaction (subject_id, occurred_at)`,
    );
    await q.query(`CREATE INDEX subject_interaction_occurred_idx ON subject_interaction (occurred_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE subject_interaction`);
  }
}
