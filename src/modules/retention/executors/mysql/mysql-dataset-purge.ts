import { randomUUID } from 'node:crypto';
import type { BatchOutcome, PurgeBatchLedger } from '../../ledger/purge-batch-ledger';
import type { RunDatasetRepository } from '../../ledger/run-dataset.repository';
import type { PurgeInputsReader } from '../../purge-inputs.reader';
import {
  BatchedDatasetPurge,
  BatchedPurgeContext,
  BatchPreparation,
  BatchRequest,
} from '../batched-dataset-purge';
import { BatchReadAhead } from '../batch-read-ahead';
import type { MysqlBatchRead } from './mysql-batch-read';
import { MysqlBatchSettings, MysqlCustomerDatabase, MysqlTarget } from './mysql-customer-database';
import { buildMysqlDryRunBatch, buildMysqlPurgeBatch } from './mysql-purge-sql';
import type { MysqlBuildOptions } from './mysql-row-flags-sql';
import type { MysqlTableFacts } from './mysql-sql-builder';

export interface MysqlPurgeContext extends BatchedPurgeContext {
  table: MysqlTableFacts;
  target: MysqlTarget;
  settings: MysqlBatchSettings;
  build: MysqlBuildOptions;
}

/**
 * One mysql dataset purged batch by batch: the shared loop (BatchedDatasetPurge) over MySQL's
 * statements, the customer transaction's identity being the token of its row in Finalité's
 * ledger table instead of a txid (ADR 0049): a new token for every attempt of a batch. The next
 * batch's read runs while this batch's changes do (BatchReadAhead).
 */
export class MysqlDatasetPurge extends BatchedDatasetPurge {
  private readonly reads: BatchReadAhead<MysqlBatchRead>;

  constructor(
    private readonly c: MysqlPurgeContext,
    private readonly db: MysqlCustomerDatabase,
    ledger: PurgeBatchLedger,
    datasets: RunDatasetRepository,
    reader: PurgeInputsReader,
  ) {
    super(c, ledger, datasets, reader);
    this.reads = new BatchReadAhead((cursor, inputs) => {
      const { read, keptLabels } = buildMysqlPurgeBatch(c.rule, c.table, inputs, cursor, c.build);
      return db.readBatch(c.target, read, keptLabels, c.settings);
    });
  }

  protected async runBatch(
    { seq, cursor, inputs, sampleSize }: BatchRequest,
    preparation?: BatchPreparation,
  ): Promise<BatchOutcome> {
    const { run, rd, rule, table } = this.c;
    const batch = run.dryRun
      ? buildMysqlDryRunBatch(rule, table, inputs, cursor, this.c.build)
      : buildMysqlPurgeBatch(rule, table, inputs, cursor, this.c.build);
    // A purge reads ahead: the next batch's read runs while this batch's changes do.
    const read = run.dryRun ? undefined : await this.reads.take(cursor, inputs);
    if (read?.lastKey) this.reads.startAfter(read.lastKey, inputs);
    return this.db.runBatch(
      this.c.target,
      batch,
      {
        dryRun: run.dryRun,
        settings: this.c.settings,
        ledger: run.dryRun ? undefined : { token: randomUUID(), runDatasetId: rd.id, seq },
        sampleSize,
        read,
      },
      preparation,
    );
  }
}
