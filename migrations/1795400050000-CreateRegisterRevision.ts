import { MigrationInterface, QueryRunner } from 'typeorm';

/** A single-row counter of register changes (see RegisterRevisionService). */
export class CreateRegisterRevision1795400050000 implements MigrationInterface {
  name = 'CreateRegisterRevision1795400050000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE register_revision (
        id int PRIMARY KEY CHECK (id = 1),
        revision bigint NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO register_revision (id, revision) VALUES (1, 1)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE register_revision`);
  }
}
