import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SYSTEM_ACTOR } from '../../../policies/principal';
import { AuditService } from '../../audit/audit.service';
import { ALL_SUBJECTS, SubjectStateService } from '../../consents/subject-state.service';
import type { PurgeBatchEntity } from '../entities/purge-batch.entity';
import type { RetentionRunDatasetEntity } from '../entities/retention-run-dataset.entity';
import type { RetentionRunEntity } from '../entities/retention-run.entity';
import { RetentionBatchInProgress, RetentionBatchOutcomeUnknown } from '../retention.errors';
import { ArchivePhaseRepository } from './archive-phase.repository';
import { BatchRecord, PurgeBatchRepository } from './purge-batch.repository';
import { RunDatasetRepository } from './run-dataset.repository';
import { RunLease } from './run-lease';

export const SAMPLE_SIZE = 20;

/**
 * What a batch moved to, or expired from, a dataset's intermediate archive (ADR 0052): written to
 * subject_archive_phase by the batch's guarded ledger write, and kept with the prepared batch so
 * that a batch recovered after a crash writes it too.
 */
/** Above this many subjects moved in one batch, one notification empties every cache instead. */
const ARCHIVED_SUBJECTS_NOTIFIED_ONE_BY_ONE = 50;

export interface ArchiveLedger {
  /** The purposes whose archive phase moved the values (subject_archive_phase.purpose_id). */
  purposeIds: string[];
  /** One entry per row moved: its subject and the phase end dates (ISO). */
  moved: { subject: string; activeEndedAt: string; archiveUntil: string }[];
  /** Subjects with no archived row left in the dataset's archive after the batch. */
  cleared: string[];
}

/** What one batch did (or, in a dry run, would do). Keys are primary-key values as text. */
export interface BatchOutcome {
  scanned: number;
  deleted: number;
  anonymised: number;
  held: number;
  undated: number;
  /** Rows kept, per reason (`constraint:<name>`, `field:<key>`; ADR 0051). */
  kept: Record<string, number>;
  firstKey: string[] | null;
  lastKey: string[] | null;
  sample: string[][];
  /** The customer transaction id (purge batches), to learn its fate after a crash. */
  customerXid: string | null;
  /** From BEGIN to COMMIT: how long the batch could hold row locks. */
  durationMs: number;
  /** Archived rows whose phase is over, as the read found them (a purge continues while > 0). */
  archiveDue?: number;
  archive?: ArchiveLedger | null;
}

/** A purge batch committed in the customer database, not yet recorded in Finalité's. */
export interface CommittedBatch {
  seq: number;
  cursor: string[] | null;
  outcome: BatchOutcome;
}

/** What recording a batch changes in the dataset's state (and whether a cancel was requested). */
export type BatchState = Pick<RetentionRunDatasetEntity, 'batches' | 'cursor' | 'sampleKeys'> & {
  cancelRequested: boolean;
};

export type CustomerXactStatus = 'committed' | 'aborted' | 'in progress' | null;

type LedgerRun = Pick<RetentionRunEntity, 'id' | 'dryRun'>;
type LedgerDataset = Pick<
  RetentionRunDatasetEntity,
  'id' | 'systemCode' | 'datasetId' | 'datasetName' | 'cursor' | 'sampleKeys'
>;

/**
 * The exactly-once batch protocol (docs/retention.md, ADRs 0031 and 0034), whatever executes the
 * batches:
 * - prepare: before the customer COMMIT, one Finalité transaction records the previous batch
 *   (committed since) and writes this one `prepared` with the customer transaction's id;
 * - commit: a batch recorded on its own (the last one, a dry-run one, one recovered);
 * - resolve: after a crash, a `prepared` batch is recorded if its customer transaction
 *   committed, discarded if it aborted, and refused (RetentionBatchOutcomeUnknown) when the
 *   customer database no longer knows.
 * Recording renews the lease first and advances the dataset only if its batch number is the
 * one before: a batch is counted once and exactly once.
 */
@Injectable()
export class PurgeBatchLedger {
  private readonly logger = new Logger('Retention');
  /** How long between two looks at a prepared batch whose customer transaction is still open. */
  pollMs = 500;

  constructor(
    private readonly batches: PurgeBatchRepository,
    private readonly datasets: RunDatasetRepository,
    private readonly lease: RunLease,
    private readonly audit: AuditService,
    private readonly archivePhases: ArchivePhaseRepository,
    private readonly subjectState: SubjectStateService,
  ) {}

  /**
   * Written before the customer transaction commits, with its id: the crash-recovery record.
   * The same Finalité transaction records the previous batch, whose customer transaction has
   * committed (cursor, counts, audit event): one Finalité transaction per batch.
   *
   * `outcome` may still be pending: the executor begins the preparation once its read has found
   * work and resolves the outcome when its changes are done, so that recording the previous batch
   * runs while the customer statements do (ADR 0034, the overlapped preparation). The audit event
   * is held back to the end (the chain lock, which access checks wait for, is taken only then);
   * `check` (the legal holds re-read) runs after the outcome, right before the batch is written.
   * A throw from `check`, or a rejected `outcome`, rolls everything back.
   */
  async prepare(
    run: LedgerRun,
    rd: LedgerDataset,
    previous: CommittedBatch | null,
    seq: number,
    outcome: BatchOutcome | Promise<BatchOutcome>,
    check?: (m: EntityManager) => Promise<void>,
  ): Promise<BatchState | null> {
    // Awaited below, possibly after a failed record: never an unhandled rejection meanwhile.
    if (outcome instanceof Promise) outcome.catch(() => undefined);
    return this.batches.transaction((m) =>
      this.audit.withDeferredRecords(m, async () => {
        const state = previous ? await this.record(m, run, rd, previous) : null;
        const o = await outcome;
        await check?.(m);
        await this.batches.insert(m, 'prepared', recordOf(run, rd, seq, o));
        return state;
      }),
    );
  }

  /**
   * Records a batch whose customer transaction committed (or a dry-run batch): cursor, counts
   * and the audit event, in one Finalité transaction guarded by the expected batch number.
   */
  async commit(run: LedgerRun, rd: LedgerDataset, batch: CommittedBatch): Promise<BatchState> {
    return this.batches.transaction((m) => this.record(m, run, rd, batch));
  }

  findPrepared(runDatasetId: string): Promise<PurgeBatchEntity | null> {
    return this.batches.findPrepared(runDatasetId);
  }

  /**
   * A batch left `prepared` by a crash: its customer transaction either committed (recorded now,
   * with the counts it had; the new state is returned) or did not (forgotten; null: redone from
   * the cursor). Throws RetentionBatchOutcomeUnknown when the customer database no longer knows,
   * RetentionBatchInProgress when its transaction stays open (a dead connection not yet reaped).
   */
  async resolve(
    run: LedgerRun,
    rd: LedgerDataset,
    prepared: PurgeBatchEntity,
    statusOf: (xid: string) => Promise<CustomerXactStatus>,
  ): Promise<BatchState | null> {
    for (let i = 0; ; i++) {
      const status = await statusOf(prepared.customerXid!);
      if (status === 'committed') {
        const state = await this.commit(run, rd, {
          seq: prepared.seq,
          cursor: rd.cursor,
          outcome: {
            scanned: prepared.rowsScanned,
            deleted: prepared.rowsDeleted,
            anonymised: prepared.rowsAnonymised,
            held: prepared.rowsHeld,
            undated: prepared.rowsUndated,
            kept: prepared.rowsKept ?? {},
            firstKey: prepared.keyFrom,
            lastKey: prepared.keyTo,
            sample: [],
            customerXid: prepared.customerXid,
            durationMs: prepared.durationMs,
            archive: prepared.archiveLedger ?? null,
          },
        });
        this.logger.log({ runId: run.id, seq: prepared.seq }, 'Recovered a batch committed before a crash');
        return state;
      }
      if (status === 'aborted') {
        await this.batches.discard(prepared.id);
        return null;
      }
      if (status === null) {
        throw new RetentionBatchOutcomeUnknown(
          `the customer database no longer knows transaction ${prepared.customerXid} (older than its commit log)`,
        );
      }
      // 'in progress': the dead worker's connection has not been reaped yet (it will be: retried).
      if (i > 60) {
        throw new RetentionBatchInProgress(
          `Batch ${prepared.seq} is still in progress in the customer database`,
        );
      }
      await sleep(this.pollMs);
    }
  }

  /** commit's work inside the caller's Finalité transaction. */
  private async record(
    m: EntityManager,
    run: LedgerRun,
    rd: LedgerDataset,
    { seq, cursor, outcome: o }: CommittedBatch,
  ): Promise<BatchState> {
    const lease = await this.lease.renewForBatch(m, run.id, seq);
    if (run.dryRun) {
      await this.batches.insert(m, 'committed', recordOf(run, rd, seq, { ...o, customerXid: null }));
    } else if (!(await this.batches.markCommitted(m, rd.id, seq, o.durationMs))) {
      throw new Error(`Batch ${seq} of ${rd.id} was not prepared`);
    }
    const sample = [...rd.sampleKeys, ...o.sample].slice(0, SAMPLE_SIZE);
    if (!(await this.datasets.advance(m, rd.id, seq, o.lastKey, o, sample))) {
      throw new Error(`Batch ${seq} of ${rd.id} is already recorded`);
    }
    // Guarded by the advance above: written once, with the counts, or not at all.
    if (o.archive && !run.dryRun) {
      await this.archivePhases.apply(m, run.id, rd.datasetId, o.archive);
      await this.notifyArchived(m, o.archive);
    }
    await this.audit.recordInTransaction(m, {
      type: 'retention.batch',
      actor: SYSTEM_ACTOR,
      target: { type: 'retention_run', id: run.id },
      payload: {
        runId: run.id,
        system: rd.systemCode,
        datasetId: rd.datasetId,
        dataset: rd.datasetName,
        seq,
        dryRun: run.dryRun,
        keyFrom: o.firstKey,
        keyTo: o.lastKey,
        after: cursor,
        scanned: o.scanned,
        deleted: o.deleted,
        anonymised: o.anonymised,
        held: o.held,
        undated: o.undated,
        ...(Object.keys(o.kept).length ? { kept: o.kept } : {}),
        durationMs: o.durationMs,
      },
    });
    return { batches: seq, cursor: o.lastKey, sampleKeys: sample, cancelRequested: lease.cancelRequested };
  }

  /**
   * Normal access checks answer ARCHIVED from the moment the batch is recorded (ADR 0054): the
   * subjects moved (one notification each, or every cached state at once for a large batch) are
   * forgotten by every instance's subject-state cache when this transaction commits.
   */
  private async notifyArchived(m: EntityManager, archive: ArchiveLedger): Promise<void> {
    const subjects = [...new Set(archive.moved.flatMap((r) => (r.subject === null ? [] : [r.subject])))];
    if (subjects.length === 0) return;
    if (subjects.length > ARCHIVED_SUBJECTS_NOTIFIED_ONE_BY_ONE) {
      await this.subjectState.notifyChanged(m, ALL_SUBJECTS);
      return;
    }
    for (const subject of subjects) await this.subjectState.notifyChanged(m, subject);
  }
}

function recordOf(run: LedgerRun, rd: LedgerDataset, seq: number, o: BatchOutcome): BatchRecord {
  return { runId: run.id, runDatasetId: rd.id, seq, ...o };
}
