import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change that can stop a credential from authenticating (a key revoked, expired, rotated or
 * deleted; a principal disabled, re-roled, re-scoped or deleted) NOTIFYs `finalite_auth` on commit,
 * whoever makes it (the service or a DBA in psql). Each instance's authentication cache listens and
 * forgets everything it holds (ADR 0011). `last_used_at` bookkeeping does not fire it.
 */
export class NotifyCredentialChanges1795400600000 implements MigrationInterface {
  name = 'NotifyCredentialChanges1795400600000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION auth_credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('finalite_auth', '*');
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER api_key_auth_changed
        AFTER UPDATE OF principal_id, prefix, key_hash, expires_at, revoked_at OR DELETE OR TRUNCATE ON api_key
        FOR EACH STATEMENT EXECUTE FUNCTION auth_credentials_changed()`);
    await q.query(`
      CREATE TRIGGER principal_auth_changed
        AFTER UPDATE OR DELETE OR TRUNCATE ON principal
        FOR EACH STATEMENT EXECUTE FUNCTION auth_credentials_changed()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER principal_auth_changed ON principal`);
    await q.query(`DROP TRIGGER api_key_auth_changed ON api_key`);
    await q.query(`DROP FUNCTION auth_credentials_changed()`);
  }
}
