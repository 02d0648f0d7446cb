import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Processors (art. 28) and where they take the data (art. 44–49), issue 17: the processor register
 * and its history, the processor operating a system (a foreign key: a system never names an unknown
 * processor, and a processor still operating a system cannot be removed), and the processors a
 * purpose's recipients name (codes, checked by the service; free-text recipients stay).
 */
export class CreateProcessors1795400800000 implements MigrationInterface {
  name = 'CreateProcessors1795400800000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE processor (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL CHECK (code ~ '^[a-z0-9]+([-_][a-z0-9]+)*$'),
        name text NOT NULL CHECK (name <> ''),
        contact text,
        country char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
        service text,
        agreement jsonb,
        processing_locations jsonb NOT NULL DEFAULT '[]',
        sub_processors jsonb NOT NULL DEFAULT '[]',
        version int NOT NULL CHECK (version >= 1),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        updated_by text NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX processor_code_key ON processor (code)`);
    await q.query(`
      CREATE TABLE processor_version (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL,
        version int NOT NULL,
        change text NOT NULL CHECK (change IN ('created', 'updated', 'deleted')),
        changed_fields jsonb NOT NULL,
        snapshot jsonb NOT NULL,
        actor jsonb NOT NULL,
        changed_at timestamptz NOT NULL,
        request_id text
      )`);
    await q.query(
      `CREATE UNIQUE INDEX processor_version_code_version_key ON processor_version (code, version)`,
    );
    await q.query(`
      ALTER TABLE inventory_system ADD COLUMN processor_code text
        CONSTRAINT inventory_system_processor_fkey REFERENCES processor (code) ON DELETE RESTRICT`);
    await q.query(
      `CREATE INDEX inventory_system_processor_code_idx ON inventory_system (processor_code) WHERE processor_code IS NOT NULL`,
    );
    await q.query(`ALTER TABLE purpose ADD COLUMN recipient_processors jsonb`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE purpose DROP COLUMN recipient_processors`);
    await q.query(`DROP INDEX inventory_system_processor_code_idx`);
    await q.query(`ALTER TABLE inventory_system DROP COLUMN processor_code`);
    await q.query(`DROP TABLE processor_version`);
    await q.query(`DROP TABLE processor`);
  }
}
