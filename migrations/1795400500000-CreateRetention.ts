import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention engine: legal holds, durable runs with per-dataset progress, purge batches (the
 * cursor and counts of every committed batch), manual tasks and erasure requests.
 * PostgreSQL, not Redis, is the source of truth for runs (docs/retention.md).
 */
export class CreateRetention1795400500000 implements MigrationInterface {
  name = 'CreateRetention1795400500000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE legal_hold (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scope text NOT NULL CHECK (scope IN ('subject', 'dataset', 'system')),
        subject_id text,
        dataset_id text,
        system_code text,
        reason text NOT NULL,
        ends_at timestamptz,
        placed_by jsonb NOT NULL,
        placed_at timestamptz NOT NULL DEFAULT now(),
        lifted_by jsonb,
        lifted_at timestamptz,
        CONSTRAINT legal_hold_target CHECK (
          (scope = 'subject' AND subject_id IS NOT NULL AND dataset_id IS NULL AND system_code IS NULL)
          OR (scope = 'dataset' AND dataset_id IS NOT NULL AND subject_id IS NULL AND system_code IS NULL)
          OR (scope = 'system' AND system_code IS NOT NULL AND subject_id IS NULL AND dataset_id IS NULL))
      )`);
    await q.query(`CREATE INDEX legal_hold_in_force_idx ON legal_hold (scope) WHERE lifted_at IS NULL`);

    await q.query(`
      CREATE TABLE retention_run (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('on_demand', 'scheduled', 'erasure', 'consent_withdrawal')),
        status text NOT NULL CHECK (status IN ('queued', 'running', 'waiting', 'completed', 'failed', 'cancelled')),
        dry_run boolean NOT NULL,
        system_code text,
        dataset_id text,
        subject_ids jsonb,
        purpose_codes jsonb,
        schedule_key text,
        cancel_requested boolean NOT NULL DEFAULT false,
        requested_by jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        lease_owner text,
        lease_until timestamptz,
        error text
      )`);
    // A schedule firing twice (two instances, a re-delivered job) creates one run only.
    await q.query(
      `CREATE UNIQUE INDEX retention_run_schedule_key ON retention_run (schedule_key) WHERE schedule_key IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX retention_run_unfinished_idx ON retention_run (created_at) WHERE status IN ('queued', 'running')`,
    );
    await q.query(`CREATE INDEX retention_run_created_idx ON retention_run (created_at DESC, id)`);

    await q.query(`
      CREATE TABLE retention_run_dataset (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        run_id uuid NOT NULL REFERENCES retention_run (id) ON DELETE CASCADE,
        position int NOT NULL,
        dry_run boolean NOT NULL,
        system_code text NOT NULL,
        dataset_id text NOT NULL,
        dataset_name text NOT NULL,
        executor text NOT NULL CHECK (executor IN ('postgres', 'webhook', 'manual')),
        status text NOT NULL CHECK (status IN ('pending', 'running', 'waiting', 'completed', 'failed', 'cancelled')),
        cursor jsonb,
        batches int NOT NULL DEFAULT 0,
        rows_scanned bigint NOT NULL DEFAULT 0,
        rows_deleted bigint NOT NULL DEFAULT 0,
        rows_anonymised bigint NOT NULL DEFAULT 0,
        rows_held bigint NOT NULL DEFAULT 0,
        rows_undated bigint NOT NULL DEFAULT 0,
        errors int NOT NULL DEFAULT 0,
        sample_keys jsonb NOT NULL DEFAULT '[]',
        exemptions jsonb NOT NULL DEFAULT '[]',
        error text,
        callback_token_hash text,
        started_at timestamptz,
        finished_at timestamptz,
        CONSTRAINT retention_run_dataset_once UNIQUE (run_id, dataset_id)
      )`);
    // The per-dataset lock: at most one purging (not dry) run works on a dataset at a time.
    await q.query(
      `CREATE UNIQUE INDEX retention_run_dataset_one_running ON retention_run_dataset (dataset_id)
         WHERE status = 'running' AND NOT dry_run`,
    );
    await q.query(
      `CREATE UNIQUE INDEX retention_run_dataset_callback_key ON retention_run_dataset (callback_token_hash)
         WHERE callback_token_hash IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE purge_batch (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        run_id uuid NOT NULL REFERENCES retention_run (id) ON DELETE CASCADE,
        run_dataset_id uuid NOT NULL REFERENCES retention_run_dataset (id) ON DELETE CASCADE,
        seq int NOT NULL,
        state text NOT NULL CHECK (state IN ('prepared', 'committed')),
        customer_xid text,
        key_from jsonb,
        key_to jsonb,
        rows_scanned int NOT NULL,
        rows_deleted int NOT NULL,
        rows_anonymised int NOT NULL,
        rows_held int NOT NULL,
        rows_undated int NOT NULL,
        duration_ms int NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        committed_at timestamptz,
        CONSTRAINT purge_batch_seq_once UNIQUE (run_dataset_id, seq)
      )`);

    await q.query(`
      CREATE TABLE manual_task (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        run_id uuid NOT NULL REFERENCES retention_run (id) ON DELETE CASCADE,
        run_dataset_id uuid NOT NULL UNIQUE REFERENCES retention_run_dataset (id) ON DELETE CASCADE,
        system_code text NOT NULL,
        dataset_id text NOT NULL,
        dataset_name text NOT NULL,
        instructions text NOT NULL,
        subject_ids jsonb,
        status text NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
        rows_deleted int,
        rows_anonymised int,
        note text,
        completed_by jsonb,
        completed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX manual_task_status_idx ON manual_task (status, created_at)`);

    await q.query(`
      CREATE TABLE erasure_request (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subject_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'waiting', 'completed', 'failed', 'cancelled')),
        run_id uuid NOT NULL REFERENCES retention_run (id),
        reason text,
        requested_by jsonb NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      )`);
    await q.query(`CREATE INDEX erasure_request_subject_idx ON erasure_request (subject_id, requested_at)`);
    await q.query(`CREATE UNIQUE INDEX erasure_request_run_key ON erasure_request (run_id)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE erasure_request`);
    await q.query(`DROP TABLE manual_task`);
    await q.query(`DROP TABLE purge_batch`);
    await q.query(`DROP TABLE retention_run_dataset`);
    await q.query(`DROP TABLE retention_run`);
    await q.query(`DROP TABLE legal_hold`);
  }
}
