import type { Pool } from 'pg';
import type { BatchOutcome, PurgeBatchLedger } from '../../ledger/purge-batch-ledger';
import type { RunDatasetRepository } from '../../ledger/run-dataset.repository';
import type { PurgeInputs, PurgeInputsReader } from '../../purge-inputs.reader';
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

/** The read of the next batch, started while the current batch's changes run. */
interface ReadAhead {
  /** The cursor it reads after (JSON of the key). */
  cursor: string;
  /** The holds it was built with: a read built under others is not used. */
  inputs: PurgeInputs;
  row: Promise<BatchRow>;
}

/**
 * One postgres dataset purged batch by batch: the shared loop (BatchedDatasetPurge) over
 * PostgreSQL's statements, each batch's fate after a crash told by txid_status() of its xid.
 *
 * Read ahead (ADR 0034): a batch's read is a read-only statement of its own, so as soon as it
 * returns the batch's last key, the next batch's read starts on the pool's other connection and
 * runs while this batch's DELETE/UPDATE and its preparation do. The customer database does the
 * same work; the purge waits for the read only when the read is the slower of the two.
 */
export class PostgresDatasetPurge extends BatchedDatasetPurge {
  private ahead: ReadAhead | null = null;

  constructor(
    private readonly c: PostgresPurgeContext,
    private readonly db: PostgresCustomerDatabase,
    ledger: PurgeBatchLedger,
    datasets: RunDatasetRepository,
    reader: PurgeInputsReader,
  ) {
    super(c, ledger, datasets, reader);
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
    const row = await this.read(cursor, inputs, batch.read);
    if (row.scanned > 0 && row.last_key) this.readAhead(row.last_key, inputs);
    const archivePurposeIds = (rule.archive?.purposes ?? []).flatMap((p) => (p.id ? [p.id] : []));
    return this.db.applyBatch(pool, { ...batch, archivePurposeIds }, row, settings, preparation);
  }

  /** The batch's read: the one started ahead when it reads the same range under the same holds. */
  private read(cursor: string[] | null, inputs: PurgeInputs, read: BatchRowStatement): Promise<BatchRow> {
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead && ahead.cursor === JSON.stringify(cursor) && ahead.inputs === inputs) return ahead.row;
    return this.db.readBatch(this.c.pool, read, this.c.settings);
  }

  private readAhead(cursor: string[], inputs: PurgeInputs): void {
    const { rule, table, pool, settings } = this.c;
    const row = this.db.readBatch(pool, buildPurgeBatch(rule, table, inputs, cursor).read, settings);
    // Awaited only if the next batch uses it; a read left unused must not be an unhandled rejection.
    row.catch(() => undefined);
    this.ahead = { cursor: JSON.stringify(cursor), inputs, row };
  }
}

type BatchRowStatement = ReturnType<typeof buildPurgeBatch>['read'];
