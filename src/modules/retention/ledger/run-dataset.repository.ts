import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { RetentionExemption, RetentionRunDatasetEntity } from '../entities/retention-run-dataset.entity';
import { returningRows } from '../../../database/returning-rows';
import {
  DATASET_TRANSITIONS,
  DatasetTransition,
  FINISHED_DATASET_STATUSES,
  RunDatasetStatus,
} from './run-dataset-state';

/** Which rows a transition applies to (the dataset, every dataset of a run, or a callback token's). */
export type DatasetTarget = { id: string; tokenHash?: string } | { runId: string } | { tokenHash: string };

/** What a transition writes besides the status (only these columns; never SQL from outside). */
export interface DatasetChanges {
  /** `ifUnset`: keep the first start (a resumed purge); `now`: a delivery or a task starts now. */
  started?: 'ifUnset' | 'now';
  error?: string | null;
  addErrors?: number;
  exemptions?: RetentionExemption[];
  callbackTokenHash?: string | null;
  webhookAttempts?: number;
  /** `now`: acknowledged now unless already; null: not acknowledged. */
  webhookDelivered?: 'now' | null;
  /** Re-send the delivery this long from now unless acknowledged; null: no re-send due. */
  webhookRedeliverInMs?: number | null;
  rowsDeleted?: number;
  rowsAnonymised?: number;
  addRowsHeld?: number;
}

export interface TransitionOptions {
  m?: EntityManager;
  /** Narrows the table's `from` (e.g. a webhook outcome only for a dataset still waiting). */
  onlyFrom?: readonly RunDatasetStatus[];
}

/** What the run-completion event and the API report per dataset (mapped once, here). */
export function datasetCounts(d: RetentionRunDatasetEntity) {
  return {
    batches: d.batches,
    scanned: d.rowsScanned,
    deleted: d.rowsDeleted,
    anonymised: d.rowsAnonymised,
    held: d.rowsHeld,
    undated: d.rowsUndated,
    errors: d.errors,
  };
}

/**
 * The SQL of `retention_run_dataset`: status changes only through `transition` (the state
 * machine's table is the guard), plus the batch ledger's cursor advance and the plain reads.
 */
@Injectable()
export class RunDatasetRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Applies a named transition to the targeted rows still in one of its `from` statuses; returns
   * the ids it changed (none: refused, or another writer got there first).
   */
  async transition(
    target: DatasetTarget,
    transition: DatasetTransition,
    changes: DatasetChanges = {},
    options: TransitionOptions = {},
  ): Promise<string[]> {
    const rule = DATASET_TRANSITIONS[transition];
    const from = options.onlyFrom ?? rule.from;
    if (from.some((s) => !rule.from.includes(s))) {
      throw new Error(`${transition} cannot start from ${from.join(', ')}`);
    }
    const params: unknown[] = [rule.to, [...from]];
    const p = (value: unknown) => `$${params.push(value)}`;
    const sets = [`status = $1`, ...setClauses(changes, p)];
    if (FINISHED_DATASET_STATUSES.includes(rule.to)) sets.push('finished_at = now()');
    const where = ['status = ANY($2::text[])'];
    if ('id' in target) where.push(`id = ${p(target.id)}`);
    if ('runId' in target) where.push(`run_id = ${p(target.runId)}`);
    if ('tokenHash' in target && target.tokenHash !== undefined) {
      where.push(`callback_token_hash = ${p(target.tokenHash)}`);
    }
    const rows = await returningRows<{ id: string }>(
      options.m ?? this.dataSource,
      `UPDATE retention_run_dataset SET ${sets.join(', ')} WHERE ${where.join(' AND ')} RETURNING id`,
      params,
    );
    return rows.map((r) => r.id);
  }

  /**
   * markRunning, or false when the one-purge-per-dataset index refuses it (another run is
   * purging the dataset).
   */
  async markRunning(id: string): Promise<boolean> {
    try {
      await this.transition({ id }, 'markRunning', { started: 'ifUnset' });
      return true;
    } catch (err) {
      if ((err as { driverError?: { code?: string } }).driverError?.code === '23505') return false;
      throw err;
    }
  }

  async fail(id: string, message: string, tokenHash?: string): Promise<boolean> {
    const changed = await this.transition(
      tokenHash ? { id, tokenHash } : { id },
      'fail',
      {
        error: message.slice(0, 2000),
        addErrors: 1,
        callbackTokenHash: null,
        webhookRedeliverInMs: null,
      },
      // A webhook outcome: only while the dataset still waits on that delivery.
      tokenHash ? { onlyFrom: ['waiting'] } : {},
    );
    return changed.length > 0;
  }

  async setExemptions(id: string, exemptions: RetentionExemption[]): Promise<void> {
    await this.dataSource.query(`UPDATE retention_run_dataset SET exemptions = $2 WHERE id = $1`, [
      id,
      JSON.stringify(exemptions),
    ]);
  }

  /**
   * Moves the cursor and adds a batch's counts, only if the dataset's batch number is `seq - 1`:
   * a batch is counted once (false: already recorded).
   */
  async advance(
    m: EntityManager,
    id: string,
    seq: number,
    lastKey: string[] | null,
    counts: {
      scanned: number;
      deleted: number;
      anonymised: number;
      held: number;
      undated: number;
      kept?: Record<string, number>;
    },
    sampleKeys: string[][],
  ): Promise<boolean> {
    const moved = await returningRows<unknown>(
      m,
      `UPDATE retention_run_dataset
          SET cursor = $3, batches = $2, rows_scanned = rows_scanned + $4, rows_deleted = rows_deleted + $5,
              rows_anonymised = rows_anonymised + $6, rows_held = rows_held + $7, rows_undated = rows_undated + $8,
              sample_keys = $9,
              rows_kept = (SELECT coalesce(jsonb_object_agg(key, n), '{}'::jsonb)
                             FROM (SELECT key, sum(value::bigint) AS n
                                     FROM (SELECT * FROM jsonb_each_text(rows_kept)
                                           UNION ALL SELECT * FROM jsonb_each_text($10::jsonb)) e
                                    GROUP BY key) s)
        WHERE id = $1 AND batches = $2 - 1 RETURNING id`,
      [
        id,
        seq,
        JSON.stringify(lastKey),
        counts.scanned,
        counts.deleted,
        counts.anonymised,
        counts.held,
        counts.undated,
        JSON.stringify(sampleKeys),
        JSON.stringify(counts.kept ?? {}),
      ],
    );
    return moved.length > 0;
  }

  find(id: string, m: EntityManager = this.dataSource.manager): Promise<RetentionRunDatasetEntity> {
    return m.findOneByOrFail(RetentionRunDatasetEntity, { id });
  }

  async findByTokenHash(m: EntityManager, tokenHash: string): Promise<RetentionRunDatasetEntity | null> {
    return m.findOneBy(RetentionRunDatasetEntity, { callbackTokenHash: tokenHash });
  }

  /** The datasets of these runs, in run order (`m`: inside the caller's transaction). */
  async ofRuns(
    runIds: string[],
    m: EntityManager = this.dataSource.manager,
  ): Promise<RetentionRunDatasetEntity[]> {
    if (runIds.length === 0) return [];
    return m.find(RetentionRunDatasetEntity, {
      where: { runId: In(runIds) },
      order: { position: 'ASC' },
    });
  }

  /** A run's datasets still to be processed by a worker (pending or running). */
  async unstarted(runId: string): Promise<RetentionRunDatasetEntity[]> {
    return this.dataSource.manager.find(RetentionRunDatasetEntity, {
      where: { runId, status: In(['pending', 'running']) },
      order: { position: 'ASC' },
    });
  }
}

function setClauses(c: DatasetChanges, p: (value: unknown) => string): string[] {
  const sets: string[] = [];
  if (c.started === 'ifUnset') sets.push('started_at = coalesce(started_at, now())');
  if (c.started === 'now') sets.push('started_at = now()');
  if (c.rowsDeleted !== undefined) sets.push(`rows_deleted = ${p(c.rowsDeleted)}`);
  if (c.rowsAnonymised !== undefined) sets.push(`rows_anonymised = ${p(c.rowsAnonymised)}`);
  if (c.addRowsHeld !== undefined) sets.push(`rows_held = rows_held + ${p(c.addRowsHeld)}`);
  if (c.addErrors !== undefined) sets.push(`errors = errors + ${p(c.addErrors)}`);
  if (c.error !== undefined) sets.push(`error = ${p(c.error)}`);
  if (c.exemptions !== undefined) sets.push(`exemptions = ${p(JSON.stringify(c.exemptions))}`);
  if (c.callbackTokenHash !== undefined) sets.push(`callback_token_hash = ${p(c.callbackTokenHash)}`);
  if (c.webhookAttempts !== undefined) sets.push(`webhook_attempts = ${p(c.webhookAttempts)}`);
  if (c.webhookDelivered === 'now') sets.push('webhook_delivered_at = coalesce(webhook_delivered_at, now())');
  if (c.webhookDelivered === null) sets.push('webhook_delivered_at = NULL');
  if (c.webhookRedeliverInMs === null) sets.push('webhook_redeliver_at = NULL');
  else if (c.webhookRedeliverInMs !== undefined) {
    sets.push(
      `webhook_redeliver_at = now() + make_interval(secs => ${p(c.webhookRedeliverInMs)}::double precision / 1000)`,
    );
  }
  return sets;
}
