import type { Pool } from 'pg';
import type { BatchOutcome, PurgeBatchLedger } from '../../ledger/purge-batch-ledger';
import type { RunDatasetRepository } from '../../ledger/run-dataset.repository';
import type { PurgeInputsReader } from '../../purge-inputs.reader';
import {
  BatchedDatasetPurge,
  BatchedPurgeContext,
  BatchPreparation,
  BatchRequest,
} from '../batched-dataset-purge';
import { BatchSettings, PostgresCustomerDatabase } from './customer-database';
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
 */
export class PostgresDatasetPurge extends BatchedDatasetPurge {
  constructor(
    private readonly c: PostgresPurgeContext,
    private readonly db: PostgresCustomerDatabase,
    ledger: PurgeBatchLedger,
    datasets: RunDatasetRepository,
    reader: PurgeInputsReader,
  ) {
    super(c, ledger, datasets, reader);
  }

  protected runBatch(
    { cursor, inputs, sampleSize }: BatchRequest,
    preparation?: BatchPreparation,
  ): Promise<BatchOutcome> {
    const { run, rule, table } = this.c;
    const batch = run.dryRun
      ? (() => {
          const read = buildDryRunBatch(rule, table, inputs, cursor, sampleSize);
          return { read, keptLabels: read.keptLabels };
        })()
      : {
          ...buildPurgeBatch(rule, table, inputs, cursor),
          archivePurposeIds: (rule.archive?.purposes ?? []).flatMap((p) => (p.id ? [p.id] : [])),
        };
    return this.db.runBatch(this.c.pool, batch, run.dryRun, this.c.settings, preparation);
  }
}
