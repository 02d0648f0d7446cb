import { MigrationInterface, QueryRunner } from 'typeorm';

/** Purpose register (art. 30 record) with its version history, and the audit chain table. */
export class CreatePurposeRegister1795400000000 implements MigrationInterface {
  name = 'CreatePurposeRegister1795400000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE purpose (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL,
        name text NOT NULL,
        description text,
        parent_code text,
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'retired')),
        version int NOT NULL DEFAULT 1 CHECK (version >= 1),
        legal_basis text CHECK (legal_basis IN ('consent', 'contract', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests')),
        legitimate_interest text,
        special_category_condition text,
        controller jsonb,
        joint_controllers jsonb,
        processors jsonb,
        data_subject_categories jsonb,
        data_categories jsonb,
        recipients jsonb,
        international_transfers jsonb,
        retention_duration text,
        retention_trigger text CHECK (retention_trigger IN ('collection', 'last_interaction', 'contract_end', 'consent_withdrawal')),
        security_measures jsonb,
        dpia_required boolean,
        activated_at timestamptz,
        retired_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        updated_by text NOT NULL,
        CONSTRAINT purpose_retention_complete CHECK ((retention_duration IS NULL) = (retention_trigger IS NULL)),
        CONSTRAINT purpose_parent_not_self CHECK (parent_code IS NULL OR parent_code <> code)
      )`);
    await q.query(`CREATE UNIQUE INDEX purpose_code_key ON purpose (code)`);
    await q.query(`
      ALTER TABLE purpose ADD CONSTRAINT purpose_parent_fk
        FOREIGN KEY (parent_code) REFERENCES purpose (code) ON UPDATE RESTRICT ON DELETE RESTRICT`);
    await q.query(`CREATE INDEX purpose_parent_code_idx ON purpose (parent_code)`);
    await q.query(`CREATE INDEX purpose_status_idx ON purpose (status, code)`);

    await q.query(`
      CREATE TABLE purpose_version (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        purpose_id uuid NOT NULL,
        code text NOT NULL,
        version int NOT NULL,
        change text NOT NULL CHECK (change IN ('created', 'updated', 'activated', 'retired')),
        changed_fields jsonb NOT NULL,
        snapshot jsonb NOT NULL,
        actor jsonb NOT NULL,
        changed_at timestamptz NOT NULL,
        request_id text
      )`);
    // History outlives a discarded draft, so no FK to purpose (a draft can be hard-deleted).
    await q.query(
      `CREATE UNIQUE INDEX purpose_version_purpose_version_key ON purpose_version (purpose_id, version)`,
    );
    await q.query(`CREATE INDEX purpose_version_code_idx ON purpose_version (code, version)`);

    await q.query(`
      CREATE TABLE audit_event (
        seq bigint PRIMARY KEY CHECK (seq >= 1),
        occurred_at timestamptz NOT NULL,
        type text NOT NULL,
        actor_type text NOT NULL,
        actor_id text NOT NULL,
        actor_name text NOT NULL,
        target_type text,
        target_id text,
        purpose_code text,
        subject_ref text,
        payload jsonb NOT NULL,
        request_id text,
        prev_hash char(64) NOT NULL,
        hash char(64) NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_event_type_idx ON audit_event (type, seq)`);
    await q.query(`CREATE INDEX audit_event_occurred_at_idx ON audit_event (occurred_at)`);
    // Append-only: the database itself refuses to change or remove history.
    await q.query(`
      CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_event_no_update_delete BEFORE UPDATE OR DELETE ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()`);
    await q.query(`
      CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER audit_event_no_truncate ON audit_event`);
    await q.query(`DROP TRIGGER audit_event_no_update_delete ON audit_event`);
    await q.query(`DROP FUNCTION audit_event_refuse_change()`);
    await q.query(`DROP TABLE audit_event`);
    await q.query(`DROP TABLE purpose_version`);
    await q.query(`DROP TABLE purpose`);
  }
}
