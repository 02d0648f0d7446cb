import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../../config/app-config';
import type { RetentionDatasetPlan } from '../../../inventory/inventory.types';
import type { RetentionRunDatasetEntity } from '../../entities/retention-run-dataset.entity';
import type { RetentionRunEntity } from '../../entities/retention-run.entity';
import { PurgeBatchLedger } from '../../ledger/purge-batch-ledger';
import { RunDatasetRepository } from '../../ledger/run-dataset.repository';
import { PurgeInputsReader } from '../../purge-inputs.reader';
import { RetentionPlanSource } from '../../retention-plan.source';
import { buildDatasetRule } from '../../retention-rule';
import { completeNotLocatable, failDataset, settlePreparedBatch } from '../batched-executor-support';
import {
  DatasetStart,
  RetentionSubjectNotReadable,
  safeMessage,
  SettleOutcome,
  SubjectValues,
  SystemExecutor,
} from '../system-executor';
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
    private readonly reader: PurgeInputsReader,
    readonly plans: RetentionPlanSource,
  ) {}

  async planDataset(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    plan: RetentionDatasetPlan,
  ): Promise<DatasetStart> {
    if (!(await this.datasets.markRunning(rd.id))) return { outcome: 'busy' };
    if (!plan.system.connectionString) return this.fail(rd, 'the system has no connection string');
    const rule = await this.reader.rule(run, plan);
    const pool = this.db.pool(plan.system.connectionString);
    let table: TableFacts | null;
    let archiveTable: TableFacts | null = null;
    try {
      table = await this.db.inspect(pool, rule.schema, rule.table);
      if (rule.archive?.schema && rule.archive.table && table) {
        archiveTable = await this.db.inspect(pool, rule.archive.schema, rule.archive.table);
      }
    } catch (err) {
      return this.fail(rd, `the system's database is unreachable: ${safeMessage(err)}`);
    }
    const problems = executionProblems(rule, table);
    // The archive is checked before anything moves: a missing or different table refuses the
    // dataset with the DDL to create (ADR 0052), never a purge that would lose archived values.
    if (!problems.length) problems.push(...archiveProblems(rule, table!, archiveTable));
    if (problems.length) return this.fail(rd, `refused: ${problems.join('; ')}`);
    if (run.subjectIds && !rule.subjectColumn) {
      // An erasure or a consent withdrawal concerns subjects, and nothing tells which rows are
      // theirs: reported as such, never as a purge that found nothing.
      await completeNotLocatable(this.datasets, run, rd);
      return { outcome: 'done' };
    }
    // LEGAL HOLD, purge: the holds in force now become the batches' exclusions (hold-inputs.ts).
    const read = await this.reader.forRun(run, rule, true);
    const { inputs } = read;
    // Referenced rows and unpurgeable fields are said up front; their counts come per batch.
    const exemptions = [...read.exemptions, ...keptExemptions(rule, table!)];
    await this.datasets.setExemptions(rd.id, exemptions);
    const purge = new PostgresDatasetPurge(
      {
        run,
        rd,
        rule,
        table: table!,
        pool,
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
    const rule = buildDatasetRule(plan, await this.reader.purposeFacts());
    if (!rule.subjectColumn) {
      throw new RetentionSubjectNotReadable(`Dataset ${plan.dataset.name} declares no subject column`);
    }
    if (!plan.system.connectionString) {
      throw new RetentionSubjectNotReadable(`System ${plan.system.code} has no connection string`);
    }
    const pool = this.db.pool(plan.system.connectionString);
    const table = await this.db.inspect(pool, rule.schema, rule.table);
    const problems = executionProblems(rule, table);
    if (problems.length) throw new RetentionSubjectNotReadable(`refused: ${problems.join('; ')}`);
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

  private fail(rd: RetentionRunDatasetEntity, message: string): Promise<DatasetStart> {
    return failDataset(this.datasets, rd, message);
  }
}
