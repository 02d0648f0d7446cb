import { MigrationInterface, QueryRunner } from 'typeorm';

/** Data inventory: systems, datasets, personal-data fields, their bindings to purposes, scan results. */
export class CreateInventory1795400300000 implements MigrationInterface {
  name = 'CreateInventory1795400300000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inventory_system (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL,
        name text NOT NULL,
        description text,
        owner text,
        hosting_location text,
        hosting_country text CHECK (hosting_country ~ '^[A-Z]{2}$'),
        kind text NOT NULL CHECK (kind IN ('postgres', 'webhook', 'manual')),
        connection_string_encrypted text,
        webhook_url text,
        webhook_secret_encrypted text,
        retention_schedule text,
        version int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        updated_by text NOT NULL,
        CONSTRAINT inventory_system_connection_kind CHECK (connection_string_encrypted IS NULL OR kind = 'postgres'),
        CONSTRAINT inventory_system_webhook_kind CHECK (webhook_url IS NULL OR kind = 'webhook')
      )`);
    await q.query(`CREATE UNIQUE INDEX inventory_system_code_key ON inventory_system (code)`);

    await q.query(`
      CREATE TABLE inventory_dataset (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        system_id uuid NOT NULL REFERENCES inventory_system (id) ON DELETE RESTRICT,
        name text NOT NULL,
        description text,
        primary_key jsonb NOT NULL,
        subject_column text,
        timestamp_columns jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX inventory_dataset_system_name_key ON inventory_dataset (system_id, name)`,
    );

    await q.query(`
      CREATE TABLE personal_field (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL,
        dataset_id uuid NOT NULL REFERENCES inventory_dataset (id) ON DELETE RESTRICT,
        column_name text NOT NULL,
        data_category text NOT NULL,
        special boolean NOT NULL,
        description text,
        anonymisation jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX personal_field_key_key ON personal_field (key)`);
    await q.query(
      `CREATE UNIQUE INDEX personal_field_dataset_column_key ON personal_field (dataset_id, column_name)`,
    );
    await q.query(`CREATE INDEX personal_field_category_idx ON personal_field (data_category)`);

    // A binding dies with its field; a draft purpose deleted before use takes its bindings with it.
    await q.query(`
      CREATE TABLE field_purpose (
        field_id uuid NOT NULL REFERENCES personal_field (id) ON DELETE CASCADE,
        purpose_code text NOT NULL REFERENCES purpose (code) ON UPDATE RESTRICT ON DELETE CASCADE,
        actions jsonb NOT NULL,
        obligation text CHECK (obligation IN ('mask', 'pseudonymise', 'aggregate_only')),
        applies_to_sub_purposes boolean NOT NULL DEFAULT false,
        anonymisation jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (field_id, purpose_code)
      )`);
    await q.query(`CREATE INDEX field_purpose_purpose_idx ON field_purpose (purpose_code)`);

    await q.query(`
      CREATE TABLE system_scan (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        system_id uuid NOT NULL REFERENCES inventory_system (id) ON DELETE CASCADE,
        scanned_at timestamptz NOT NULL,
        scanned_by text NOT NULL,
        schemas jsonb NOT NULL,
        column_count int NOT NULL,
        unregistered jsonb NOT NULL,
        missing jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX system_scan_system_idx ON system_scan (system_id, scanned_at DESC)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE system_scan`);
    await q.query(`DROP TABLE field_purpose`);
    await q.query(`DROP TABLE personal_field`);
    await q.query(`DROP TABLE inventory_dataset`);
    await q.query(`DROP TABLE inventory_system`);
  }
}
