import { MigrationInterface, QueryRunner } from 'typeorm';

/** Principals (admins, DPOs, auditors, applications) and their API keys, stored only as hashes. */
export class CreatePrincipalsAndApiKeys1795400200000 implements MigrationInterface {
  name = 'CreatePrincipalsAndApiKeys1795400200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE principal (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
        roles jsonb NOT NULL CHECK (jsonb_typeof(roles) = 'array'),
        purpose_codes jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(purpose_codes) = 'array'),
        disabled boolean NOT NULL DEFAULT false,
        -- Millisecond precision: the list cursor carries a JS Date, which has no microseconds.
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        updated_by text NOT NULL
      )`);
    await q.query(`CREATE INDEX principal_created_at_idx ON principal (created_at, id)`);

    await q.query(`
      CREATE TABLE api_key (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        principal_id uuid NOT NULL REFERENCES principal (id) ON DELETE RESTRICT,
        prefix text NOT NULL,
        key_hash char(64) NOT NULL,
        label text,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz,
        replaced_by_key_id uuid
      )`);
    // Authentication looks a key up by the SHA-256 of what the caller presented.
    await q.query(`CREATE UNIQUE INDEX api_key_key_hash_key ON api_key (key_hash)`);
    await q.query(`CREATE INDEX api_key_principal_idx ON api_key (principal_id, created_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_key`);
    await q.query(`DROP TABLE principal`);
  }
}
