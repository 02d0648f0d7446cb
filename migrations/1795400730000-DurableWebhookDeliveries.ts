import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Durable webhook deliveries (ADR 0033): a webhook dataset records its delivery attempts, when a
 * delivery was acknowledged by the system, and when the sweep re-sends one that was not (its job
 * lost: in-process restart, Redis loss). The callback deadline is counted from `started_at`.
 * Webhook datasets already waiting keep `webhook_redeliver_at` NULL: whether they were delivered is
 * unknown, so they are never re-sent (a fresh token would void one the system may hold); the
 * deadline ends them.
 */
export class DurableWebhookDeliveries1795400730000 implements MigrationInterface {
  name = 'DurableWebhookDeliveries1795400730000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE retention_run_dataset
        ADD COLUMN webhook_attempts int NOT NULL DEFAULT 0,
        ADD COLUMN webhook_delivered_at timestamptz,
        ADD COLUMN webhook_redeliver_at timestamptz`);
    // The sweep's scan: webhook datasets waiting for delivery or for their callback.
    await q.query(
      `CREATE INDEX retention_run_dataset_webhook_waiting_idx ON retention_run_dataset (started_at)
         WHERE executor = 'webhook' AND status = 'waiting'`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX retention_run_dataset_webhook_waiting_idx`);
    await q.query(`
      ALTER TABLE retention_run_dataset
        DROP COLUMN webhook_redeliver_at,
        DROP COLUMN webhook_delivered_at,
        DROP COLUMN webhook_attempts`);
  }
}
