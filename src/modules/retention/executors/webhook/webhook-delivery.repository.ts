import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RetentionExemption } from '../../entities/retention-run-dataset.entity';
import { returningRows } from '../../returning-rows';

const IN_MS = (n: number) => `now() + make_interval(secs => $${n}::double precision / 1000)`;

/** A webhook dataset past its callback deadline. */
export interface ExpiredDelivery {
  id: string;
  run_id: string;
  attempts: number;
  delivered_at: Date | null;
  redeliver_at: Date | null;
}

/**
 * The durable delivery state of webhook datasets (columns of retention_run_dataset; status
 * changes go through RunDatasetRepository.transition). Every write is fenced by the token's hash.
 */
@Injectable()
export class WebhookDeliveryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One attempt, fenced by the token (null: superseded, acknowledged, confirmed or ended). */
  async claimAttempt(id: string, tokenHash: string, inFlightMs: number): Promise<number | null> {
    const rows = await returningRows<{ attempts: number }>(
      this.dataSource,
      `UPDATE retention_run_dataset
          SET webhook_attempts = webhook_attempts + 1, webhook_redeliver_at = ${IN_MS(3)}
        WHERE id = $1 AND callback_token_hash = $2 AND status = 'waiting' AND webhook_delivered_at IS NULL
        RETURNING webhook_attempts AS attempts`,
      [id, tokenHash, inFlightMs],
    );
    return rows.length ? rows[0].attempts : null;
  }

  /** The next attempt's due time (false: the delivery is no longer this token's). */
  async scheduleRetry(id: string, tokenHash: string, inMs: number): Promise<boolean> {
    const rows = await returningRows<{ id: string }>(
      this.dataSource,
      `UPDATE retention_run_dataset SET webhook_redeliver_at = ${IN_MS(3)}
        WHERE id = $1 AND callback_token_hash = $2 AND status = 'waiting' RETURNING id`,
      [id, tokenHash, inMs],
    );
    return rows.length > 0;
  }

  /** The system answered 2xx (false: superseded or confirmed meanwhile). */
  async acknowledge(id: string, tokenHash: string, exemptions: RetentionExemption[]): Promise<boolean> {
    const rows = await returningRows<{ id: string }>(
      this.dataSource,
      `UPDATE retention_run_dataset
          SET exemptions = $3, webhook_delivered_at = coalesce(webhook_delivered_at, now()),
              webhook_redeliver_at = NULL
        WHERE id = $1 AND callback_token_hash = $2 RETURNING id`,
      [id, tokenHash, JSON.stringify(exemptions)],
    );
    return rows.length > 0;
  }

  /**
   * A fresh token for a delivery whose job was lost, guarded like a claim (of two instances
   * sweeping together, one re-sends); null when not due or its attempts are spent.
   */
  async reissue(id: string, tokenHash: string, graceMs: number, maxAttempts: number): Promise<number | null> {
    const rows = await returningRows<{ attempts: number }>(
      this.dataSource,
      `UPDATE retention_run_dataset
          SET callback_token_hash = $2, webhook_redeliver_at = ${IN_MS(3)}
        WHERE id = $1 AND status = 'waiting' AND webhook_delivered_at IS NULL AND webhook_redeliver_at < now()
          -- Attempts are spent: no more re-sends; the callback deadline ends the dataset.
          AND webhook_attempts < $4
        RETURNING webhook_attempts AS attempts`,
      [id, tokenHash, graceMs, maxAttempts],
    );
    return rows.length ? rows[0].attempts : null;
  }

  /** Webhook datasets waiting longer than the callback deadline. */
  expired(deadlineMs: number): Promise<ExpiredDelivery[]> {
    return this.dataSource.query<ExpiredDelivery[]>(
      `SELECT id, run_id, webhook_attempts AS attempts, webhook_delivered_at AS delivered_at,
              webhook_redeliver_at AS redeliver_at
         FROM retention_run_dataset
        WHERE executor = 'webhook' AND status = 'waiting'
          AND started_at < now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY started_at LIMIT 100`,
      [deadlineMs],
    );
  }

  /** Unacknowledged deliveries past their re-send time: their job is presumed lost. */
  async lost(): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM retention_run_dataset
        WHERE executor = 'webhook' AND status = 'waiting' AND webhook_delivered_at IS NULL
          AND webhook_redeliver_at < now()
        ORDER BY webhook_redeliver_at LIMIT 100`,
    );
    return rows.map((r) => r.id);
  }
}
