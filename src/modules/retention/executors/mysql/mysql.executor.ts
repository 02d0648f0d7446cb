import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../../config/app-config';
import type { RetentionDatasetPlan } from '../../../inventory/inventory.types';
import type { RetentionRunDatasetEntity } from '../../entities/retention-run-dataset.entity';
import type { RetentionRunEntity } from '../../entities/retention-run.entity';
import { PurgeBatchLedger } from '../../ledger/purge-batch-ledger';
import { RunDatasetRepository } from '../../ledger/run-dataset.repository';
import { PurgeInputsReader } from '../../purge-inputs.reader';
import { RetentionPlanSource } from '../../retention-plan.source';
import { RetentionBatchOutcomeUnknown } from '../../retention.errors';
import { buildDatasetRule, PurposeFacts } from '../../retention-rule';
import {
  BatchedKindTables,
  checkBatchedDataset,
  checkSubjectTable,
  failDataset,
  readBatchInputs,
  settlePreparedBatch,
} from '../batched-executor-support';
import { DatasetStart, safeMessage, SettleOutcome, SubjectValues, SystemExecutor } from '../system-executor';
import { mysqlArchiveProblems } from './mysql-archive-check';
import { MysqlCustomerDatabase, MysqlLedgerUnavailable, MysqlTarget } from './mysql-customer-database';
import { MysqlDatasetPurge } from './mysql-dataset-purge';
import { buildMysqlOverdueCount, buildMysqlSubjectValuesRead } from './mysql-purge-sql';
import type { MysqlBuildOptions } from './mysql-row-flags-sql';
import type { MysqlTableFacts } from './mysql-sql-builder';
import { mysqlExecutionProblems, mysqlKeptExemptions } from './mysql-table-check';

/** What the overdue view shows of one mysql dataset (or why it cannot measure it). */
export type MysqlOverdue =
  { error: string } | { due: number; held: number; undated: number; oldestDueSince: Date | null };

/**
 * The `mysql` kind (MySQL 8, MariaDB 10.6+; ADR 0049): Finalité purges the customer's InnoDB
 * table itself, batch by batch, after checking the registered dataset against the table. Each
 * batch writes a row of Finalité's ledger table in the customer database in its own transaction:
 * after a crash, that row (or its absence) tells whether the batch committed.
 */
@Injectable()
export class MysqlSystemExecutor implements SystemExecutor {
  readonly kind = 'mysql';

  constructor(
    private readonly config: AppConfig,
    private readonly db: MysqlCustomerDatabase,
    readonly ledger: PurgeBatchLedger,
    readonly datasets: RunDatasetRepository,
    readonly reader: PurgeInputsReader,
    readonly plans: RetentionPlanSource,
  ) {}

  private get settings() {
    return {
      lockTimeoutMs: this.config.RETENTION_LOCK_TIMEOUT_MS,
      statementTimeoutMs: this.config.RETENTION_STATEMENT_TIMEOUT_MS,
    };
  }

  private get build(): MysqlBuildOptions {
    return { ipPrefixes: { v4: this.config.RETENTION_IPV4_PREFIX, v6: this.config.RETENTION_IPV6_PREFIX } };
  }

  /** MySQL's targets and checks, for the plan-time steps shared with postgres. */
  private readonly tables: BatchedKindTables<MysqlTarget, MysqlTableFacts> = {
    connect: (connectionString) => this.db.target(connectionString),
    inspect: (target, schema, table) => this.db.inspect(target, schema, table),
    executionProblems: mysqlExecutionProblems,
    archiveProblems: mysqlArchiveProblems,
    keptExemptions: mysqlKeptExemptions,
  };

  async planDataset(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    plan: RetentionDatasetPlan,
  ): Promise<DatasetStart> {
    const checked = await checkBatchedDataset(this, this.tables, run, rd, plan);
    if ('outcome' in checked) return checked;
    const { rule, handle: target, table } = checked;
    // Each batch records itself in Finalité's ledger table in the customer database (a dry run writes none).
    if (!run.dryRun) {
      try {
        await this.db.ensureLedger(target);
      } catch (err) {
        if (err instanceof MysqlLedgerUnavailable) return this.fail(rd, `refused: ${err.message}`);
        return this.fail(rd, `the system's database is unreachable: ${safeMessage(err)}`);
      }
    }
    const { inputs, exemptions } = await readBatchInputs(this, this.tables, run, rd, checked);
    inputs.batchSize = Math.min(inputs.batchSize, this.config.RETENTION_MYSQL_BATCH_SIZE);
    const purge = new MysqlDatasetPurge(
      {
        run,
        rd,
        rule,
        table,
        target,
        inputs,
        exemptions,
        settings: this.settings,
        build: this.build,
        settle: () => this.settle(run, rd, plan),
      },
      this.db,
      this.ledger,
      this.datasets,
      this.reader,
    );
    return { purge };
  }

  /**
   * As the postgres executor's settle (batched-executor-support), with the batch's fate read from
   * Finalité's ledger table in the customer database (batchStatus) instead of txid_status().
   */
  settle(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    plan: RetentionDatasetPlan | null,
  ): Promise<SettleOutcome> {
    return settlePreparedBatch(this, run, rd, plan, (connectionString) => {
      const target = this.db.target(connectionString);
      return async (token) => {
        const status = await this.db.batchStatus(target, token);
        if (status === null) {
          throw new RetentionBatchOutcomeUnknown(
            "Finalité's ledger table is missing from the customer database (dropped?): whether the batch committed cannot be known",
          );
        }
        return status;
      };
    });
  }

  async readSubjectValues(plan: RetentionDatasetPlan, subjectId: string): Promise<SubjectValues> {
    const { rule, handle: target, table } = await checkSubjectTable(this.reader, this.tables, plan);
    const rows = await this.db.query(
      target,
      buildMysqlSubjectValuesRead(rule, table, subjectId),
      this.settings,
    );
    return {
      system: plan.system.code,
      datasetId: plan.dataset.id,
      dataset: plan.dataset.name,
      rows: rows.map((r) => ({
        key: rule.primaryKey.map((_, i) => String(r[`k${i}`])),
        values: Object.fromEntries(rule.fields.map((f, i) => [f.key, jsonValue(r[`v${i}`])])),
      })),
    };
  }

  /** The overdue view's figures for one mysql dataset (one read-only scan). */
  async overdue(plan: RetentionDatasetPlan, purposes: Map<string, PurposeFacts>): Promise<MysqlOverdue> {
    const rule = buildDatasetRule(plan, purposes);
    const target = this.db.target(plan.system.connectionString!);
    const table = await this.db.inspect(target, rule.schema, rule.table);
    const problems = mysqlExecutionProblems(rule, table);
    if (problems.length) return { error: `refused: ${problems.join('; ')}` };
    const holds = await this.reader.readHolds(rule, null, true);
    const inputs = this.reader.inputs(await this.reader.withdrawals(rule, null), holds, null, 1);
    // Recorded contacts keep a last_interaction clock running (ADR 0051): the view counts as the purge.
    inputs.recentContacts = await this.reader.recentContacts(rule, null, inputs.now);
    const [row] = await this.db.query(
      target,
      buildMysqlOverdueCount(rule, table!, inputs, this.build),
      this.settings,
    );
    return {
      due: Number(row.due),
      held: Number(row.held),
      undated: Number(row.undated),
      oldestDueSince: row.oldest_due_since ? new Date(row.oldest_due_since as string) : null,
    };
  }

  private fail(rd: RetentionRunDatasetEntity, message: string): Promise<DatasetStart> {
    return failDataset(this.datasets, rd, message);
  }
}

/** A column value as JSON: binary as hex (an IP address, a visitor id), dates as ISO text. */
function jsonValue(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return `\\x${v.toString('hex')}`;
  if (v instanceof Date) return v.toISOString();
  return v;
}
