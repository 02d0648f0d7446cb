import { MigrationInterface, QueryRunner } from 'typeorm';

/** The append-only triggers that identify the trail's tables whatever they are renamed to. */
const GUARDED_TRIGGERS = [
  'audit_event_no_update_delete',
  'audit_event_no_truncate',
  'audit_checkpoint_no_update_delete',
  'audit_checkpoint_no_truncate',
]
  .map((name) => `'${name}'`)
  .join(', ');

/**
 * Signed checkpoints of the audit chain, search indexes on the trail, and a guard that makes the
 * database refuse to drop or alter the trail (see docs/audit.md and ADR 0017).
 */
export class CreateAuditCheckpoints1795400100000 implements MigrationInterface {
  name = 'CreateAuditCheckpoints1795400100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_checkpoint (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        head_seq bigint NOT NULL CHECK (head_seq >= 1),
        head_hash char(64) NOT NULL,
        signed_at timestamptz NOT NULL,
        key_id text NOT NULL,
        signature text NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_checkpoint_head_seq_idx ON audit_checkpoint (head_seq, id)`);

    // Searches auditors run (subject, actor, purpose); keyed by seq for cursor pagination.
    await q.query(
      `CREATE INDEX audit_event_subject_ref_idx ON audit_event (subject_ref, seq) WHERE subject_ref IS NOT NULL`,
    );
    await q.query(`CREATE INDEX audit_event_actor_id_idx ON audit_event (actor_id, seq)`);
    await q.query(
      `CREATE INDEX audit_event_purpose_code_idx ON audit_event (purpose_code, seq) WHERE purpose_code IS NOT NULL`,
    );

    await q.query(`
      CREATE FUNCTION audit_append_only_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_checkpoint_no_update_delete BEFORE UPDATE OR DELETE ON audit_checkpoint
        FOR EACH ROW EXECUTE FUNCTION audit_append_only_refuse()`);
    await q.query(`
      CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only_refuse()`);

    // Event triggers need a superuser. Without one (a managed database, a least-privilege
    // migration role) the table owner can still drop the trail: docs/audit.md says how to deploy.
    const roles = (await q.query(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`)) as {
      rolsuper: boolean;
    }[];
    if (!roles[0]?.rolsuper) {
      console.warn(
        '[audit] migration role is not a superuser: the DROP/ALTER guard on the audit trail is not installed (docs/audit.md)',
      );
      return;
    }
    await q.query(`
      CREATE FUNCTION audit_trail_refuse_drop() RETURNS event_trigger LANGUAGE plpgsql AS $$
      DECLARE
        obj record;
      BEGIN
        FOR obj IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP
          IF (obj.object_type = 'table' AND obj.address_names[2] IN ('audit_event', 'audit_checkpoint'))
             OR (obj.object_type = 'trigger' AND obj.address_names[3] IN (${GUARDED_TRIGGERS}))
             OR (obj.object_type = 'function'
                 AND obj.address_names[2] IN ('audit_event_refuse_change', 'audit_append_only_refuse')) THEN
            RAISE EXCEPTION 'the audit trail is append-only: dropping % % refused', obj.object_type, obj.object_identity
              USING ERRCODE = 'insufficient_privilege';
          END IF;
        END LOOP;
      END $$`);
    await q.query(`
      CREATE FUNCTION audit_trail_refuse_alter() RETURNS event_trigger LANGUAGE plpgsql AS $$
      DECLARE
        cmd record;
        rel oid;
      BEGIN
        -- A superuser can bypass any guard anyway (and DBAs or tests may need to); refusing
        -- ALTER matters for the roles the application runs as.
        IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
          RETURN;
        END IF;
        FOR cmd IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
          rel := CASE cmd.classid
            WHEN 'pg_class'::regclass THEN cmd.objid
            WHEN 'pg_trigger'::regclass THEN (SELECT tgrelid FROM pg_trigger WHERE oid = cmd.objid)
            WHEN 'pg_rewrite'::regclass THEN (SELECT ev_class FROM pg_rewrite WHERE oid = cmd.objid)
          END;
          IF EXISTS (SELECT 1 FROM pg_trigger t
                     WHERE t.tgname IN (${GUARDED_TRIGGERS})
                       AND (t.tgrelid = rel OR (cmd.classid = 'pg_proc'::regclass AND t.tgfoid = cmd.objid))) THEN
            RAISE EXCEPTION 'the audit trail is append-only: % on % refused', cmd.command_tag, cmd.object_identity
              USING ERRCODE = 'insufficient_privilege';
          END IF;
        END LOOP;
      END $$`);
    await q.query(
      `CREATE EVENT TRIGGER audit_trail_no_drop ON sql_drop EXECUTE FUNCTION audit_trail_refuse_drop()`,
    );
    await q.query(
      `CREATE EVENT TRIGGER audit_trail_no_alter ON ddl_command_end EXECUTE FUNCTION audit_trail_refuse_alter()`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    // The guard goes first, or it would refuse the rest of this rollback.
    await q.query(`DROP EVENT TRIGGER IF EXISTS audit_trail_no_alter`);
    await q.query(`DROP EVENT TRIGGER IF EXISTS audit_trail_no_drop`);
    await q.query(`DROP FUNCTION IF EXISTS audit_trail_refuse_alter()`);
    await q.query(`DROP FUNCTION IF EXISTS audit_trail_refuse_drop()`);
    await q.query(`DROP TABLE audit_checkpoint`);
    await q.query(`DROP FUNCTION audit_append_only_refuse()`);
    await q.query(`DROP INDEX audit_event_purpose_code_idx`);
    await q.query(`DROP INDEX audit_event_actor_id_idx`);
    await q.query(`DROP INDEX audit_event_subject_ref_idx`);
  }
}
