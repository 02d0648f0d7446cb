import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Consent records (history + current state per subject and purpose) and art. 18 / art. 21
 * restrictions. Subject ids are stored in clear: they are the lookup key of every access
 * check (the audit trail stores only their keyed hash).
 */
export class CreateConsentsAndRestrictions1795400400000 implements MigrationInterface {
  name = 'CreateConsentsAndRestrictions1795400400000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE consent_event (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subject_id text NOT NULL CHECK (length(subject_id) BETWEEN 1 AND 200),
        purpose_code text NOT NULL REFERENCES purpose (code) ON UPDATE RESTRICT ON DELETE RESTRICT,
        status text NOT NULL CHECK (status IN ('granted', 'withdrawn')),
        purpose_version int NOT NULL CHECK (purpose_version >= 1),
        source text NOT NULL,
        proof jsonb NOT NULL DEFAULT '{}'::jsonb,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        recorded_by text NOT NULL,
        import_id uuid,
        request_id text
      )`);
    await q.query(
      `CREATE INDEX consent_event_subject_idx ON consent_event (subject_id, purpose_code, occurred_at)`,
    );

    // Current state: the latest event (by occurred_at) per subject and purpose.
    await q.query(`
      CREATE TABLE consent_state (
        subject_id text NOT NULL,
        purpose_code text NOT NULL REFERENCES purpose (code) ON UPDATE RESTRICT ON DELETE RESTRICT,
        status text NOT NULL CHECK (status IN ('granted', 'withdrawn')),
        purpose_version int NOT NULL,
        source text NOT NULL,
        occurred_at timestamptz NOT NULL,
        event_id uuid NOT NULL REFERENCES consent_event (id),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (subject_id, purpose_code)
      )`);
    await q.query(
      `CREATE INDEX consent_state_purpose_status_idx ON consent_state (purpose_code, status, subject_id)`,
    );

    await q.query(`
      CREATE TABLE subject_restriction (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subject_id text NOT NULL CHECK (length(subject_id) BETWEEN 1 AND 200),
        kind text NOT NULL CHECK (kind IN ('restriction', 'objection')),
        purpose_codes jsonb,
        reason text NOT NULL,
        set_at timestamptz NOT NULL DEFAULT now(),
        set_by text NOT NULL,
        lifted_at timestamptz,
        lifted_by text,
        lift_reason text,
        CONSTRAINT subject_restriction_purposes_array CHECK (purpose_codes IS NULL OR jsonb_typeof(purpose_codes) = 'array'),
        CONSTRAINT subject_restriction_lift_complete CHECK ((lifted_at IS NULL) = (lifted_by IS NULL))
      )`);
    await q.query(
      `CREATE INDEX subject_restriction_active_idx ON subject_restriction (subject_id) WHERE lifted_at IS NULL`,
    );
    await q.query(`CREATE INDEX subject_restriction_subject_idx ON subject_restriction (subject_id, set_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE subject_restriction`);
    await q.query(`DROP TABLE consent_state`);
    await q.query(`DROP TABLE consent_event`);
  }
}
