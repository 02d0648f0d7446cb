import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../../../config/app-config';
import type { RetentionDatasetPlan } from '../../../inventory/inventory.types';
import type {
  RetentionExemption,
  RetentionRunDatasetEntity,
} from '../../entities/retention-run-dataset.entity';
import type { RetentionRunEntity } from '../../entities/retention-run.entity';
import { PurgeBatchLedger } from '../../ledger/purge-batch-ledger';
import { RunDatasetRepository } from '../../ledger/run-dataset.repository';
import { PurgeInputsReader } from '../../purge-inputs.reader';
import { RetentionPlanSource } from '../../retention-plan.source';
import { RetentionBatchOutcomeUnknown, RetentionLeaseLost } from '../../retention.errors';
import { buildDatasetRule } from '../../retention-rule';
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
  private readonly logger = new Logger('Retention');

  constructor(
    private readonly config: AppConfig,
    private readonly db: PostgresCustomerDatabase,
    private readonly ledger: PurgeBatchLedger,
    private readonly datasets: RunDatasetRepository,
    private readonly reader: PurgeInputsReader,
    private readonly plans: RetentionPlanSource,
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
      await this.completeNotLocatable(run, rd);
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

  /**
   * Settles the batch a crash (or a failed COMMIT) left `prepared`, before anything may end the
   * dataset. `settled`: none is left (recorded if its customer transaction committed, discarded
   * if it aborted). `retry`: its fate cannot be learnt now (customer database unreachable, its
   * transaction still open, or Finalité's recording failed): the dataset stays running and the
   * run is resumed later, since failing or cancelling it would leave committed deletes uncounted.
   * `done`: its fate can never be learnt (txid_status NULL, no connection string any more): the
   * dataset failed with that explicit error, instead of guessing or retrying forever.
   */
  async settle(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    plan: RetentionDatasetPlan | null,
  ): Promise<SettleOutcome> {
    if (run.dryRun) return 'settled';
    const prepared = await this.ledger.findPrepared(rd.id);
    if (!prepared) return 'settled';
    const unresolved = `batch ${prepared.seq} was prepared (${prepared.rowsDeleted} deleted, ${prepared.rowsAnonymised} anonymised, if its customer transaction committed) and cannot be resolved`;
    const connectionString = plan
      ? plan.system.connectionString
      : // From the system itself: its last dataset may be the one that was removed.
        await this.plans.systemConnectionString(rd.systemCode);
    if (!connectionString) {
      await this.fail(rd, `${unresolved}: the system has no connection string`);
      return 'done';
    }
    const pool = this.db.pool(connectionString);
    try {
      const state = await this.ledger.resolve(run, rd, prepared, (xid) =>
        this.db.transactionStatus(pool, xid),
      );
      if (state) Object.assign(rd, state);
      return 'settled';
    } catch (err) {
      if (err instanceof RetentionLeaseLost) throw err;
      if (err instanceof RetentionBatchOutcomeUnknown) {
        await this.fail(rd, `${unresolved}: ${err.message}`);
        return 'done';
      }
      this.logger.warn(
        { err: safeMessage(err), runId: run.id, dataset: rd.datasetName, seq: prepared.seq },
        'A prepared batch cannot be resolved yet; the dataset will be retried',
      );
      return 'retry';
    }
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

  private async fail(rd: RetentionRunDatasetEntity, message: string): Promise<DatasetStart> {
    rd.status = 'failed';
    await this.datasets.fail(rd.id, message);
    return { outcome: 'done' };
  }

  /**
   * A subject-level run (erasure, consent withdrawal) over a dataset without a subject column:
   * the subject's rows cannot be located, so nothing is scanned or purged and the dataset is
   * reported with a `subject_not_locatable` exemption (docs/retention.md), not as a purge that
   * found nothing.
   */
  private async completeNotLocatable(run: RetentionRunEntity, rd: RetentionRunDatasetEntity): Promise<void> {
    const exemption: RetentionExemption = {
      kind: 'subject_not_locatable',
      reason:
        'the dataset declares no subject column: the rows of the subject(s) concerned cannot be located, so nothing was purged here; declare its subject column in the register, or purge them by other means',
    };
    this.logger.warn(
      { runId: run.id, kind: run.kind, dataset: rd.datasetName },
      'Subject-level run over a dataset without a subject column: reported as not locatable',
    );
    rd.status = 'completed';
    await this.datasets.transition({ id: rd.id }, 'complete', { exemptions: [exemption] });
  }
}
