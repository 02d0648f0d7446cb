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
import { completeNotLocatable, failDataset, settlePreparedBatch } from '../batched-executor-support';
import {
  DatasetStart,
  RetentionSubjectNotReadable,
  safeMessage,
  SettleOutcome,
  SubjectValues,
  SystemExecutor,
} from '../system-executor';
import { mysqlArchiveProblems } from './mysql-archive-check';
import { MysqlCustomerDatabase, MysqlLedgerUnavailable } from './mysql-customer-database';
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
    private readonly reader: PurgeInputsReader,
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

  async planDataset(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    plan: RetentionDatasetPlan,
  ): Promise<DatasetStart> {
    if (!(await this.datasets.markRunning(rd.id))) return { outcome: 'busy' };
    if (!plan.system.connectionString) return this.fail(rd, 'the system has no connection string');
    const rule = await this.reader.rule(run, plan);
    const target = this.db.target(plan.system.connectionString);
    let table: MysqlTableFacts | null;
    let archiveTable: MysqlTableFacts | null = null;
    try {
      table = await this.db.inspect(target, rule.schema, rule.table);
      if (rule.archive?.schema && rule.archive.table && table) {
        archiveTable = await this.db.inspect(target, rule.archive.schema, rule.archive.table);
      }
    } catch (err) {
      return this.fail(rd, `the system's database is unreachable: ${safeMessage(err)}`);
    }
    const problems = mysqlExecutionProblems(rule, table);
    // The archive is checked before anything moves (ADR 0052): a missing or different table
    // refuses the dataset with the DDL to run, never a purge that would lose archived values.
    if (!problems.length) problems.push(...mysqlArchiveProblems(rule, table!, archiveTable));
    if (problems.length) return this.fail(rd, `refused: ${problems.join('; ')}`);
    if (run.subjectIds && !rule.subjectColumn) {
      await completeNotLocatable(this.datasets, run, rd);
      return { outcome: 'done' };
    }
    if (!run.dryRun) {
      try {
        await this.db.ensureLedger(target);
      } catch (err) {
        if (err instanceof MysqlLedgerUnavailable) return this.fail(rd, `refused: ${err.message}`);
        return this.fail(rd, `the system's database is unreachable: ${safeMessage(err)}`);
      }
    }
    const read = await this.reader.forRun(run, rule, true);
    const { inputs } = read;
    // Referenced rows and unpurgeable fields are said up front; their counts come per batch.
    const exemptions = [...read.exemptions, ...mysqlKeptExemptions(rule, table!)];
    inputs.batchSize = Math.min(inputs.batchSize, this.config.RETENTION_MYSQL_BATCH_SIZE);
    await this.datasets.setExemptions(rd.id, exemptions);
    const purge = new MysqlDatasetPurge(
      {
        run,
        rd,
        rule,
        table: table!,
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
    const rule = buildDatasetRule(plan, await this.reader.purposeFacts());
    if (!rule.subjectColumn) {
      throw new RetentionSubjectNotReadable(`Dataset ${plan.dataset.name} declares no subject column`);
    }
    if (!plan.system.connectionString) {
      throw new RetentionSubjectNotReadable(`System ${plan.system.code} has no connection string`);
    }
    const target = this.db.target(plan.system.connectionString);
    const table = await this.db.inspect(target, rule.schema, rule.table);
    const problems = mysqlExecutionProblems(rule, table);
    if (problems.length) throw new RetentionSubjectNotReadable(`refused: ${problems.join('; ')}`);
    const rows = await this.db.query(
      target,
      buildMysqlSubjectValuesRead(rule, table!, subjectId),
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
