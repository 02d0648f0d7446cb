import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type { RetentionExemption, RetentionRunDatasetEntity } from '../entities/retention-run-dataset.entity';
import type { RetentionRunEntity } from '../entities/retention-run.entity';
import { HoldInputs, holdsGrew, mergeExemptions, widenHolds } from '../hold-inputs';
import {
  BatchOutcome,
  BatchState,
  CommittedBatch,
  PurgeBatchLedger,
  SAMPLE_SIZE,
} from '../ledger/purge-batch-ledger';
import { RunDatasetRepository } from '../ledger/run-dataset.repository';
import type { PurgeInputs, PurgeInputsReader } from '../purge-inputs.reader';
import { RetentionHoldsChanged, RetentionLeaseLost } from '../retention.errors';
import type { DatasetRule } from '../retention-rule';
import { BatchStep, DatasetPurge, safeMessage, SettleOutcome } from './system-executor';

const BATCH_ATTEMPTS = 3;

/** What every batched purge of one dataset works with, whatever the customer database. */
export interface BatchedPurgeContext {
  run: RetentionRunEntity;
  rd: RetentionRunDatasetEntity;
  rule: DatasetRule;
  inputs: PurgeInputs;
  exemptions: RetentionExemption[];
  /** Resolves a batch left prepared (after a failed batch, before failing the dataset). */
  settle: () => Promise<SettleOutcome>;
}

/** One batch as the loop asks the customer database for it. */
export interface BatchRequest {
  seq: number;
  /** The last key of the batch before (null: from the start). */
  cursor: string[] | null;
  /** The holds, withdrawals and contacts in force for this batch. */
  inputs: PurgeInputs;
  /** How many more row keys the dry run's sample wants. */
  sampleSize: number;
}

/**
 * The ledger's side of one purge batch, run beside the customer transaction (ADR 0034, the
 * overlapped preparation): `begin` once the read has found work, before the changes (the
 * previous batch is recorded while they run); `complete` with the outcome before COMMIT (resolves
 * once the batch is prepared in Finalité; COMMIT only then); `abandon` when the batch fails before
 * COMMIT (the Finalité transaction rolls back; never throws).
 */
export interface BatchPreparation {
  begin(): void;
  complete(outcome: BatchOutcome): Promise<void>;
  abandon(): Promise<void>;
}

/**
 * One dataset purged batch by batch (keyset pagination over the primary key; each batch one
 * short customer transaction), recorded exactly once through the PurgeBatchLedger (ADRs 0031,
 * 0034). The loop is the same for every kind that purges in batches (postgres, mysql: ADR 0049);
 * a kind supplies `runBatch`, its statements and its customer transaction, which drives the
 * ledger's BatchPreparation (begun before the changes, completed before its COMMIT), and says
 * in the outcome's `customerXid` how to learn the transaction's fate after a crash.
 */
export abstract class BatchedDatasetPurge implements DatasetPurge {
  private readonly logger = new Logger('Retention');
  private inputs: PurgeInputs;
  private exemptions: RetentionExemption[];
  private failures = 0;
  /**
   * A purge batch whose customer transaction committed and that Finalité has not recorded yet:
   * it is recorded in the same Finalité transaction that prepares the next batch (one Finalité
   * transaction per batch), or on its own when the dataset ends or the worker stops.
   */
  private pending: CommittedBatch | null = null;

  protected constructor(
    private readonly base: BatchedPurgeContext,
    private readonly ledger: PurgeBatchLedger,
    private readonly datasets: RunDatasetRepository,
    private readonly reader: PurgeInputsReader,
  ) {
    this.inputs = base.inputs;
    this.exemptions = base.exemptions;
  }

  /** Runs one batch in the customer database (dry: read only), preparing it before COMMIT. */
  protected abstract runBatch(request: BatchRequest, preparation?: BatchPreparation): Promise<BatchOutcome>;

  /** The worker stops: the batch committed and not yet recorded is recorded now. */
  async stop(): Promise<void> {
    await this.flush();
  }

  async nextBatch(): Promise<BatchStep> {
    const { run, rd, rule } = this.base;
    const pending = this.pending;
    const seq: number = (pending?.seq ?? rd.batches) + 1;
    const cursor: string[] | null = pending ? pending.outcome.lastKey : rd.cursor;
    if (run.dryRun) {
      // A dry run has no preparation transaction: the holds are re-read before each batch.
      const next = await this.reader.readHolds(rule, run.subjectIds, true);
      if (holdsGrew(this.inputs, next)) await this.adoptHolds(next);
    }
    const usedHolds = this.inputs;
    const request: BatchRequest = {
      seq,
      cursor,
      inputs: this.inputs,
      sampleSize: Math.max(0, SAMPLE_SIZE - rd.sampleKeys.length),
    };
    let outcome: BatchOutcome;
    let cancelRequested = false;
    try {
      outcome = await this.runBatch(
        request,
        run.dryRun
          ? undefined
          : this.preparation(pending, seq, cursor, usedHolds, (state) => {
              this.pending = null;
              if (state) Object.assign(rd, state);
              cancelRequested = state?.cancelRequested ?? false;
            }),
      );
    } catch (err) {
      return this.afterFailure(err, seq);
    }
    this.failures = 0;
    // Done when the active table has nothing left after the cursor and no archived row expires.
    if (outcome.scanned === 0 && !outcome.archiveDue) {
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

  /**
   * The ledger's preparation of batch `seq`: one Finalité transaction that records `pending` (the
   * previous batch) as soon as it begins, then, once the outcome is known, re-reads the legal
   * holds and writes this batch `prepared`. `prepared` runs when that transaction has committed.
   */
  private preparation(
    pending: CommittedBatch | null,
    seq: number,
    cursor: string[] | null,
    usedHolds: PurgeInputs,
    prepared: (state: BatchState | null) => void,
  ): BatchPreparation {
    const { run, rd, rule } = this.base;
    let settle!: { resolve: (o: BatchOutcome) => void; reject: (e: Error) => void };
    const outcome = new Promise<BatchOutcome>((resolve, reject) => (settle = { resolve, reject }));
    let transaction: Promise<void> | null = null;
    const begin = () => {
      transaction ??= this.ledger
        .prepare(run, rd, pending, seq, outcome, async (m) => {
          // LEGAL HOLD, purge: re-read in the transaction that prepares the batch, before the
          // customer COMMIT. A hold placed since the batch was built rolls its customer
          // transaction back; it is redone with it (the statements exclude held rows).
          const next = await this.reader.readHolds(rule, run.subjectIds, true, m);
          if (holdsGrew(usedHolds, next)) {
            throw new RetentionHoldsChanged('A legal hold was placed during the batch', { next });
          }
        })
        .then(prepared);
      // Awaited by complete or abandon; a failure must not surface as an unhandled rejection.
      transaction.catch(() => undefined);
    };
    return {
      begin,
      complete: async (o) => {
        // A batch that only expired archived rows (the active table is done): the cursor stays.
        if (o.scanned === 0) {
          o.firstKey = cursor;
          o.lastKey = cursor;
        }
        begin();
        settle.resolve(o);
        await transaction;
      },
      abandon: async () => {
        if (!transaction) return;
        settle.reject(new Error(`batch ${seq} failed before its COMMIT`));
        await transaction.catch(() => undefined);
      },
    };
  }

  private async afterFailure(err: unknown, seq: number): Promise<BatchStep> {
    const { run, rd } = this.base;
    // Lost in the batch's own Finalité transaction: the customer transaction was rolled back.
    if (err instanceof RetentionLeaseLost) throw err;
    if (err instanceof RetentionHoldsChanged) {
      // Nothing of this batch committed (nor was prepared): redo it under the new holds.
      this.logger.log({ runId: run.id, dataset: rd.datasetName, seq }, 'Legal holds changed; batch redone');
      await this.adoptHolds((err.details as { next: HoldInputs }).next);
      return 'again';
    }
    this.failures += 1;
    this.logger.warn({ err: safeMessage(err), runId: run.id, dataset: rd.datasetName, seq }, 'Batch failed');
    if (this.failures >= BATCH_ATTEMPTS) {
      // Whatever committed is still counted once: the previous batch, and this one if its
      // COMMIT went through before the error. Neither may be left unrecorded by failing the
      // dataset: a flush error interrupts the run, an unresolved batch leaves it for a retry.
      await this.flush();
      const settled = await this.base.settle();
      if (settled !== 'settled') return settled;
      await this.datasets.fail(rd.id, `batch ${seq} failed ${this.failures} times: ${safeMessage(err)}`);
      rd.status = 'failed';
      return 'done';
    }
    await sleep(250 * 2 ** this.failures);
    // The batch may have been prepared before its COMMIT failed: learn its fate first.
    if (!this.pending) {
      const settled = await this.base.settle();
      if (settled !== 'settled') return settled;
    }
    return 'again';
  }

  private async flush(): Promise<boolean> {
    if (!this.pending) return false;
    const p = this.pending;
    const state = await this.ledger.commit(this.base.run, this.base.rd, p);
    this.pending = null;
    Object.assign(this.base.rd, state);
    return state.cancelRequested;
  }

  /** A hold placed during the run: every later batch honours it, and it is reported. */
  private async adoptHolds(next: HoldInputs): Promise<void> {
    this.inputs = widenHolds(this.inputs, next);
    this.exemptions = mergeExemptions(this.exemptions, next.exemptions);
    await this.datasets.setExemptions(this.base.rd.id, this.exemptions);
  }
}
