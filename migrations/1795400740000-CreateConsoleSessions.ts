import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Console sessions (ADR 0043): a browser signs in once with an API key and then holds an HttpOnly
 * cookie. Only the SHA-256 of the session token is stored. A session belongs to the key that opened
 * it: revoking that key or disabling its principal ends it (checked on every request).
 */
export class CreateConsoleSessions1795400740000 implements MigrationInterface {
  name = 'CreateConsoleSessions1795400740000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE console_session (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash char(64) NOT NULL,
        principal_id uuid NOT NULL REFERENCES principal (id) ON DELETE CASCADE,
        key_id uuid NOT NULL REFERENCES api_key (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        ended_at timestamptz,
        end_reason text CHECK (end_reason IN ('signed_out', 'idle_timeout', 'max_lifetime', 'revoked', 'expired', 'principal_disabled', 'unknown_key')),
        CHECK ((ended_at IS NULL) = (end_reason IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX console_session_token_hash_key ON console_session (token_hash)`);
    await q.query(
      `CREATE INDEX console_session_open_idx ON console_session (principal_id) WHERE ended_at IS NULL`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE console_session`);
  }
}
