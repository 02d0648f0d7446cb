import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The organisation-level part of the record of processing (art. 30(1)(a)): the controller's name
 * and contact details, its data protection officer and its representative in the Union (art. 27).
 * One row (id = 1), written by PUT /register/organisation; absent until the DPO declares it.
 */
export class CreateControllerOrganisation1795400700000 implements MigrationInterface {
  name = 'CreateControllerOrganisation1795400700000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE controller_organisation (
        id smallint PRIMARY KEY CHECK (id = 1),
        name text NOT NULL CHECK (name <> ''),
        address text NOT NULL CHECK (address <> ''),
        contact text NOT NULL CHECK (contact <> ''),
        established_in_eu boolean NOT NULL DEFAULT true,
        dpo_name text,
        dpo_contact text,
        representative_name text,
        representative_contact text,
        version int NOT NULL CHECK (version >= 1),
        updated_by jsonb NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT controller_organisation_dpo_whole CHECK ((dpo_name IS NULL) = (dpo_contact IS NULL)),
        CONSTRAINT controller_organisation_representative_whole
          CHECK ((representative_name IS NULL) = (representative_contact IS NULL))
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE controller_organisation`);
  }
}
