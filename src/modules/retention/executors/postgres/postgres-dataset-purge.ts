import type { Pool } from 'pg';
import type { BatchOutcome, PurgeBatchLedger } from '../../ledger/purge-batch-ledger';
import type { RunDatasetRepository } from '../../ledger/run-dataset.repository';
import type { PurgeInputsReader } from '../../purge-inputs.reader';
import { BatchReadAhead } from '../batch-read-ahead';
import {
  BatchedDatasetPurge,
  BatchedPurgeContext,
  BatchPreparation,
  BatchRequest,
} from '../batched-dataset-purge';
import { BatchRow, BatchSettings, PostgresCustomerDatabase } from './customer-database';
import { buildDryRunBatch } from './batch-read-sql';
import { buildPurgeBatch } from './purge-batch-sql';
import type { TableFacts } from './sql-builder';

/** What a purge of one postgres dataset works with (checked by PostgresSystemExecutor.planDataset). */
export interface PostgresPurgeContext extends BatchedPurgeContext {
  table: TableFacts;
  pool: Pool;
  settings: BatchSettings;
}

/**
 * One postgres dataset purged batch by batch: the shared loop (BatchedDatasetPurge) over
 * PostgreSQL's statements, each batch's fate after a crash told by txid_status() of its xid.
 * The next batch's read runs while this batch's changes do (BatchReadAhead).
 */
export class PostgresDatasetPurge extends BatchedDatasetPurge {
  private readonly reads: BatchReadAhead<BatchRow>;

  constructor(
    private readonly c: PostgresPurgeContext,
    private readonly db: PostgresCustomerDatabase,
    ledger: PurgeBatchLedger,
    datasets: RunDatasetRepository,
    reader: PurgeInputsReader,
  ) {
    super(c, ledger, datasets, reader);
    this.reads = new BatchReadAhead((cursor, inputs) =>
      db.readBatch(c.pool, buildPurgeBatch(c.rule, c.table, inputs, cursor).read, c.settings),
    );
  }

  protected async runBatch(
    { cursor, inputs, sampleSize }: BatchRequest,
    preparation?: BatchPreparation,
  ): Promise<BatchOutcome> {
    const { run, rule, table, pool, settings } = this.c;
    if (run.dryRun || !preparation) {
      return this.db.dryRunBatch(pool, buildDryRunBatch(rule, table, inputs, cursor, sampleSize), settings);
    }
    const batch = buildPurgeBatch(rule, table, inputs, cursor);
    const row = await this.reads.take(cursor, inputs);
    if (row.scanned > 0 && row.last_key) this.reads.startAfter(row.last_key, inputs);
    const archivePurposeIds = (rule.archive?.purposes ?? []).flatMap((p) => (p.id ? [p.id] : []));
    return this.db.applyBatch(pool, { ...batch, archivePurposeIds }, row, settings, preparation);
  }
}
