import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../../database/transaction';
import { PurgeBatchEntity } from '../entities/purge-batch.entity';
import { returningRows } from '../../../database/returning-rows';
import type { ArchiveLedger } from './purge-batch-ledger';

/** A batch's record as the executor measured it (keys are primary-key values as text). */
export interface BatchRecord {
  runId: string;
  runDatasetId: string;
  seq: number;
  customerXid: string | null;
  firstKey: string[] | null;
  lastKey: string[] | null;
  scanned: number;
  deleted: number;
  anonymised: number;
  held: number;
  undated: number;
  kept: Record<string, number>;
  durationMs: number;
  /** What the batch moved to or expired from the archive (ADR 0052). */
  archive?: ArchiveLedger | null;
}

/** The SQL of `purge_batch`, the exactly-once ledger's records (ADR 0031). */
@Injectable()
export class PurgeBatchRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource, work);
  }

  /**
   * `prepared`: written before the customer COMMIT, with the customer transaction's id;
   * `committed`: a dry-run batch, recorded at once (nothing to prove).
   */
  async insert(m: EntityManager, state: 'prepared' | 'committed', b: BatchRecord): Promise<void> {
    await m.query(
      `INSERT INTO purge_batch (run_id, run_dataset_id, seq, state, customer_xid, key_from, key_to,
         rows_scanned, rows_deleted, rows_anonymised, rows_held, rows_undated, duration_ms, rows_kept, committed_at,
         archive_ledger)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
               CASE WHEN $4 = 'committed' THEN now() END, $15)`,
      [
        b.runId,
        b.runDatasetId,
        b.seq,
        state,
        b.customerXid,
        JSON.stringify(b.firstKey),
        JSON.stringify(b.lastKey),
        b.scanned,
        b.deleted,
        b.anonymised,
        b.held,
        b.undated,
        b.durationMs,
        JSON.stringify(b.kept ?? {}),
        b.archive ? JSON.stringify(b.archive) : null,
      ],
    );
  }

  /** prepared → committed (false: no such prepared batch). */
  async markCommitted(
    m: EntityManager,
    runDatasetId: string,
    seq: number,
    durationMs: number,
  ): Promise<boolean> {
    const updated = await returningRows<unknown>(
      m,
      `UPDATE purge_batch SET state = 'committed', committed_at = now(), duration_ms = $3
        WHERE run_dataset_id = $1 AND seq = $2 AND state = 'prepared' RETURNING id`,
      [runDatasetId, seq, durationMs],
    );
    return updated.length > 0;
  }

  /** The batch a crash (or a failed COMMIT) left prepared: at most one per dataset. */
  findPrepared(runDatasetId: string): Promise<PurgeBatchEntity | null> {
    return this.dataSource.manager.findOne(PurgeBatchEntity, { where: { runDatasetId, state: 'prepared' } });
  }

  /** A prepared batch whose customer transaction aborted: it never happened. */
  async discard(id: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM purge_batch WHERE id = $1`, [id]);
  }
}
