import { Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { AppConfig } from '../../../../config/app-config';
import type { RetentionDatasetPlan } from '../../../inventory/inventory.types';
import type { RetentionRunDatasetEntity } from '../../entities/retention-run-dataset.entity';
import type { RetentionRunEntity } from '../../entities/retention-run.entity';
import { PurgeBatchLedger } from '../../ledger/purge-batch-ledger';
import { RunDatasetRepository } from '../../ledger/run-dataset.repository';
import { PurgeInputsReader } from '../../purge-inputs.reader';
import { RetentionPlanSource } from '../../retention-plan.source';
import {
  BatchedKindTables,
  checkBatchedDataset,
  checkSubjectTable,
  readBatchInputs,
  settlePreparedBatch,
} from '../batched-executor-support';
import { DatasetStart, SettleOutcome, SubjectValues, SystemExecutor } from '../system-executor';
import { PostgresCustomerDatabase } from './customer-database';
import { PostgresDatasetPurge } from './postgres-dataset-purge';
import { buildSubjectValuesRead } from './subject-values-sql';
import { archiveProblems } from './archive-check';
import { executionProblems, keptExemptions } from './table-check';
import type { TableFacts } from './sql-builder';

/**
 * The `postgres` kind: Finalité purges the customer's table itself, batch by batch, after
 * checking the registered dataset against the table (identifiers, columns, key, types).
 */
@Injectable()
export class PostgresSystemExecutor implements SystemExecutor {
  readonly kind = 'postgres';

  constructor(
    private readonly config: AppConfig,
    private readonly db: PostgresCustomerDatabase,
    readonly ledger: PurgeBatchLedger,
    readonly datasets: RunDatasetRepository,
    readonly reader: PurgeInputsReader,
    readonly plans: RetentionPlanSource,
  ) {}

  /** PostgreSQL's pools and checks, for the plan-time steps shared with mysql. */
  private readonly tables: BatchedKindTables<Pool, TableFacts> = {
    connect: (connectionString) => this.db.pool(connectionString),
    inspect: (pool, schema, table) => this.db.inspect(pool, schema, table),
    executionProblems,
    archiveProblems,
    keptExemptions,
  };

  async planDataset(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    plan: RetentionDatasetPlan,
  ): Promise<DatasetStart> {
    const checked = await checkBatchedDataset(this, this.tables, run, rd, plan);
    if ('outcome' in checked) return checked;
    const { inputs, exemptions } = await readBatchInputs(this, this.tables, run, rd, checked);
    const purge = new PostgresDatasetPurge(
      {
        run,
        rd,
        rule: checked.rule,
        table: checked.table,
        pool: checked.handle,
        inputs,
        exemptions,
        settings: {
          lockTimeoutMs: this.config.RETENTION_LOCK_TIMEOUT_MS,
          statementTimeoutMs: this.config.RETENTION_STATEMENT_TIMEOUT_MS,
        },
        settle: () => this.settle(run, rd, plan),
      },
      this.db,
      this.ledger,
      this.datasets,
      this.reader,
    );
    return { purge };
  }

  /** The batch a crash left `prepared`, its fate read with txid_status() (batched-executor-support). */
  settle(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    plan: RetentionDatasetPlan | null,
  ): Promise<SettleOutcome> {
    return settlePreparedBatch(this, run, rd, plan, (connectionString) => {
      const pool = this.db.pool(connectionString);
      return (xid) => this.db.transactionStatus(pool, xid);
    });
  }

  /**
   * The subject's rows of the dataset, registered fields only, by parameterised SQL over
   * identifiers checked against the register and the table (never a column it does not declare).
   */
  async readSubjectValues(plan: RetentionDatasetPlan, subjectId: string): Promise<SubjectValues> {
    const { rule, handle: pool } = await checkSubjectTable(this.reader, this.tables, plan);
    const rows = await this.db.query<{ key: string[]; values: Record<string, unknown> }>(
      pool,
      buildSubjectValuesRead(rule, subjectId),
      {
        lockTimeoutMs: this.config.RETENTION_LOCK_TIMEOUT_MS,
        statementTimeoutMs: this.config.RETENTION_STATEMENT_TIMEOUT_MS,
      },
    );
    return { system: plan.system.code, datasetId: plan.dataset.id, dataset: plan.dataset.name, rows };
  }
}
