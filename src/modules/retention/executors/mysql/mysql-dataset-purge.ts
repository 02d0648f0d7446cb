import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type {
  RetentionExemption,
  RetentionRunDatasetEntity,
} from '../../entities/retention-run-dataset.entity';
import type { RetentionRunEntity } from '../../entities/retention-run.entity';
import { HoldInputs, holdsGrew, mergeExemptions, widenHolds } from '../../hold-inputs';
import { BatchOutcome, CommittedBatch, PurgeBatchLedger, SAMPLE_SIZE } from '../../ledger/purge-batch-ledger';
import { RunDatasetRepository } from '../../ledger/run-dataset.repository';
import type { PurgeInputs, PurgeInputsReader } from '../../purge-inputs.reader';
import { RetentionHoldsChanged, RetentionLeaseLost } from '../../retention.errors';
import type { DatasetRule } from '../../retention-rule';
import { BatchStep, DatasetPurge, safeMessage, SettleOutcome } from '../system-executor';
import { MysqlBatchSettings, MysqlCustomerDatabase, MysqlTarget } from './mysql-customer-database';
import { buildMysqlDryRunBatch, buildMysqlPurgeBatch, MysqlBuildOptions } from './mysql-purge-sql';
import type { MysqlTableFacts } from './mysql-sql-builder';

const BATCH_ATTEMPTS = 3;

export interface MysqlPurgeContext {
  run: RetentionRunEntity;
  rd: RetentionRunDatasetEntity;
  rule: DatasetRule;
  table: MysqlTableFacts;
  target: MysqlTarget;
  inputs: PurgeInputs;
  exemptions: RetentionExemption[];
  settings: MysqlBatchSettings;
  build: MysqlBuildOptions;
  settle: () => Promise<SettleOutcome>;
}

/**
 * One mysql dataset purged batch by batch, recorded exactly once through the PurgeBatchLedger:
 * the same protocol as the postgres executor's (ADRs 0031, 0034), the customer transaction's
 * identity being the token of its row in Finalité's ledger table instead of a txid (ADR 0049).
 * The driving loop mirrors PostgresDatasetPurge; the statements and the customer access differ.
 */
export class MysqlDatasetPurge implements DatasetPurge {
  private readonly logger = new Logger('Retention');
  private inputs: PurgeInputs;
  private exemptions: RetentionExemption[];
  private failures = 0;
  /** A batch committed in the customer database, recorded with the next one's preparation. */
  private pending: CommittedBatch | null = null;

  constructor(
    private readonly c: MysqlPurgeContext,
    private readonly db: MysqlCustomerDatabase,
    private readonly ledger: PurgeBatchLedger,
    private readonly datasets: RunDatasetRepository,
    private readonly reader: PurgeInputsReader,
  ) {
    this.inputs = c.inputs;
    this.exemptions = c.exemptions;
  }

  async stop(): Promise<void> {
    await this.flush();
  }

  async nextBatch(): Promise<BatchStep> {
    const { run, rd, rule, table } = this.c;
    const pending = this.pending;
    const seq: number = (pending?.seq ?? rd.batches) + 1;
    const cursor: string[] | null = pending ? pending.outcome.lastKey : rd.cursor;
    if (run.dryRun) {
      const next = await this.reader.readHolds(rule, run.subjectIds, true);
      if (holdsGrew(this.inputs, next)) await this.adoptHolds(next);
    }
    const usedHolds = this.inputs;
    const batch = run.dryRun
      ? buildMysqlDryRunBatch(rule, table, this.inputs, cursor, this.c.build)
      : buildMysqlPurgeBatch(rule, table, this.inputs, cursor, this.c.build);
    let outcome: BatchOutcome;
    let cancelRequested = false;
    try {
      outcome = await this.db.runBatch(
        this.c.target,
        batch,
        {
          dryRun: run.dryRun,
          settings: this.c.settings,
          ledger: run.dryRun ? undefined : { token: randomUUID(), runDatasetId: rd.id, seq },
          sampleSize: Math.max(0, SAMPLE_SIZE - rd.sampleKeys.length),
        },
        run.dryRun
          ? undefined
          : async (o) => {
              const state = await this.ledger.prepare(run, rd, pending, seq, o, async (m) => {
                // LEGAL HOLD, purge: re-read before the customer COMMIT (as postgres).
                const next = await this.reader.readHolds(rule, run.subjectIds, true, m);
                if (holdsGrew(usedHolds, next)) {
                  throw new RetentionHoldsChanged('A legal hold was placed during the batch', { next });
                }
              });
              this.pending = null;
              if (state) Object.assign(rd, state);
              cancelRequested = state?.cancelRequested ?? false;
            },
      );
    } catch (err) {
      return this.afterFailure(err, seq);
    }
    this.failures = 0;
    if (outcome.scanned === 0) {
      await this.flush();
      await this.datasets.transition({ id: rd.id }, 'complete');
      return 'done';
    }
    if (run.dryRun) {
      const state = await this.ledger.commit(run, rd, { seq, cursor, outcome });
      Object.assign(rd, state);
      cancelRequested = state.cancelRequested;
    } else {
      this.pending = { seq, cursor, outcome };
    }
    if (cancelRequested) {
      await this.flush();
      return 'cancelled';
    }
    return 'next';
  }

  private async afterFailure(err: unknown, seq: number): Promise<BatchStep> {
    const { run, rd } = this.c;
    if (err instanceof RetentionLeaseLost) throw err;
    if (err instanceof RetentionHoldsChanged) {
      this.logger.log({ runId: run.id, dataset: rd.datasetName, seq }, 'Legal holds changed; batch redone');
      await this.adoptHolds((err.details as { next: HoldInputs }).next);
      return 'again';
    }
    this.failures += 1;
    this.logger.warn({ err: safeMessage(err), runId: run.id, dataset: rd.datasetName, seq }, 'Batch failed');
    if (this.failures >= BATCH_ATTEMPTS) {
      await this.flush();
      const settled = await this.c.settle();
      if (settled !== 'settled') return settled;
      await this.datasets.fail(rd.id, `batch ${seq} failed ${this.failures} times: ${safeMessage(err)}`);
      rd.status = 'failed';
      return 'done';
    }
    await sleep(250 * 2 ** this.failures);
    if (!this.pending) {
      const settled = await this.c.settle();
      if (settled !== 'settled') return settled;
    }
    return 'again';
  }

  private async flush(): Promise<boolean> {
    if (!this.pending) return false;
    const p = this.pending;
    const state = await this.ledger.commit(this.c.run, this.c.rd, p);
    this.pending = null;
    Object.assign(this.c.rd, state);
    return state.cancelRequested;
  }

  private async adoptHolds(next: HoldInputs): Promise<void> {
    this.inputs = widenHolds(this.inputs, next);
    this.exemptions = mergeExemptions(this.exemptions, next.exemptions);
    await this.datasets.setExemptions(this.c.rd.id, this.exemptions);
  }
}
