import { createHash, createHmac, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource, EntityManager, In } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { inTransaction } from '../../database/transaction';
import { JobDispatcher } from '../../jobs/job-dispatcher';
import { JobHandlerRegistry } from '../../jobs/job-handler-registry';
import { Actor, SYSTEM_ACTOR } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import { ConsentsService } from '../consents/consents.service';
import type { RetentionDatasetPlan } from '../inventory/inventory.types';
import { LegalHoldsService } from '../legal-holds/legal-holds.service';
import { PurposesService } from '../purposes/purposes.service';
import {
  FINISHED_DATASET_STATUSES,
  RetentionExemption,
  RetentionRunDatasetEntity,
} from './entities/retention-run-dataset.entity';
import { RetentionRunEntity, RetentionRunStatus } from './entities/retention-run.entity';
import { ManualTaskEntity } from './entities/manual-task.entity';
import { PurgeBatchEntity } from './entities/purge-batch.entity';
import { BatchOutcome, PostgresExecutor } from './executors/postgres-executor';
import {
  buildDryRunBatch,
  buildPurgeBatch,
  executionProblems,
  PurgeInputs,
  TableFacts,
} from './executors/purge-sql';
import { retentionHashKey } from './retention-hash-key';
import { returningRows } from '../../database/returning-rows';
import {
  RetentionBatchInProgress,
  RetentionBatchOutcomeUnknown,
  RetentionHoldsChanged,
  RetentionLeaseLost,
} from './retention.errors';
import { HoldInputs, holdsGrew, mergeExemptions, readHoldInputs, widenHolds } from './hold-inputs';
import { RetentionPlanSource } from './retention-plan.source';
import { buildDatasetRule, DatasetRule, describeFieldRule, PurposeFacts } from './retention-rule';

export const RETENTION_RUN_JOB = 'retention.run';
export const RETENTION_WEBHOOK_JOB = 'retention.webhook';
/** In-process event after a run reaches a final status (erasure requests follow their run). */
export const RETENTION_RUN_FINISHED_EVENT = 'retention.run.finished';

export interface RetentionRunFinishedEvent {
  runId: string;
  kind: string;
  status: RetentionRunStatus;
}

const SAMPLE_SIZE = 20;
const BATCH_ATTEMPTS = 3;
/** How long one webhook delivery attempt may take (the request is aborted after it). */
const WEBHOOK_TIMEOUT_MS = 10_000;

/** `retry`: left running for a later attempt (the sweep resumes the run). */
type DatasetOutcome = 'done' | 'waiting' | 'busy' | 'stopped' | 'cancelled' | 'retry';

/** The lease as the heartbeat last saw it (a renewal that matched no row sets `lost`). */
interface LeaseState {
  lost: boolean;
}

/** What recording a batch changes in the dataset's state (and whether a cancel was requested). */
type BatchState = Pick<RetentionRunDatasetEntity, 'batches' | 'cursor' | 'sampleKeys'> & {
  cancelRequested: boolean;
};

/** A purge batch committed in the customer database, not yet recorded in Finalité's. */
interface CommittedBatch {
  seq: number;
  cursor: string[] | null;
  outcome: BatchOutcome;
}

/**
 * Executes retention runs: the `retention.run` job handler. A run is claimed with a lease in
 * PostgreSQL (so two workers never execute it together, and a dead worker's run is taken over
 * when its lease expires); datasets are processed one after another, in resumable batches.
 * See docs/retention.md for the exactly-once guarantee of batch counts.
 */
@Injectable()
export class RetentionRunner implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Retention');
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly hashKey: Buffer;
  private stopping = false;
  /** Runs this process is executing (a queued job and a sweep's job may arrive together). */
  private readonly active = new Set<string>();
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly jobs: JobDispatcher,
    private readonly registry: JobHandlerRegistry,
    private readonly plans: RetentionPlanSource,
    private readonly purposes: PurposesService,
    private readonly consents: ConsentsService,
    private readonly holds: LegalHoldsService,
    private readonly postgres: PostgresExecutor,
    private readonly events: EventEmitter2,
  ) {
    this.hashKey = retentionHashKey(config);
  }

  onModuleInit(): void {
    this.registry.register<{ runId: string }>(RETENTION_RUN_JOB, (data) => this.process(data.runId));
    this.registry.register<{ runDatasetId: string; token: string }>(RETENTION_WEBHOOK_JOB, (data) =>
      this.deliverWebhook(data.runDatasetId, data.token),
    );
  }

  onApplicationBootstrap(): void {
    // PostgreSQL is the source of truth: whatever a lost job or a dead worker left unfinished
    // is dispatched again at start and then periodically.
    void this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.config.RETENTION_LEASE_MS);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    this.stopping = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  async dispatch(runId: string, variant?: string, delayMs?: number): Promise<void> {
    try {
      await this.jobs.dispatch(
        RETENTION_RUN_JOB,
        { runId },
        { jobId: `retention-run-${runId}${variant ? `-${variant}` : ''}`, delayMs },
      );
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, runId }, 'Run not queued; the sweep will retry');
    }
  }

  /**
   * Re-dispatches queued runs and running runs whose lease expired; fails the webhook datasets
   * whose callback deadline passed and re-sends the webhook deliveries whose job was lost.
   */
  async sweep(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.sweepWebhooks();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'Retention webhook sweep failed');
    }
    try {
      const rows = await this.dataSource.query<{ id: string }[]>(
        `SELECT id FROM retention_run
          WHERE status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < now())
          ORDER BY created_at LIMIT 100`,
      );
      const epoch = Math.floor(Date.now() / this.config.RETENTION_LEASE_MS);
      for (const r of rows) await this.dispatch(r.id, `s${epoch}`);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'Retention sweep failed');
    }
  }

  /** The job handler: runs (or resumes) one run as far as this process can take it. */
  async process(runId: string): Promise<void> {
    if (this.stopping || this.active.has(runId)) return;
    this.active.add(runId);
    try {
      await this.processClaimed(runId);
    } finally {
      this.active.delete(runId);
    }
  }

  private async processClaimed(runId: string): Promise<void> {
    const run = await this.claim(runId);
    if (!run) return;
    const lease: LeaseState = { lost: false };
    const heartbeat = setInterval(
      () => {
        void this.renew(runId).then(
          (ok) => (lease.lost = lease.lost || !ok),
          () => undefined,
        );
      },
      Math.max(200, Math.floor(this.config.RETENTION_LEASE_MS / 3)),
    );
    try {
      if (!run.startedAt) await this.markStarted(run);
      const datasets = await this.dataSource.manager.find(RetentionRunDatasetEntity, {
        where: { runId },
        order: { position: 'ASC' },
      });
      for (const rd of datasets) {
        if (FINISHED_DATASET_STATUSES.includes(rd.status) || rd.status === 'waiting') continue;
        if (this.stopping) return;
        if (lease.lost) throw new RetentionLeaseLost(`The lease on run ${runId} was lost`);
        if (await this.cancelRequested(runId)) return await this.cancelRun(run);
        const outcome = await this.executeDataset(run, rd, lease);
        if (outcome === 'cancelled') return await this.cancelRun(run);
        if (outcome === 'stopped' || outcome === 'retry') return;
        if (outcome === 'busy') {
          // Another run is purging this dataset: come back shortly (one run per dataset at a time).
          await this.release(runId);
          await this.dispatch(runId, `b${Date.now()}`, 2_000);
          return;
        }
      }
      await this.finishIfDone(runId);
    } catch (err) {
      if (err instanceof RetentionLeaseLost) {
        // Another worker owns the run now: this one stops, and changes nothing more.
        this.logger.warn({ runId }, 'Retention run lease lost; its new owner carries on');
      } else {
        this.logger.error({ err, runId }, 'Retention run interrupted; it will be resumed');
      }
    } finally {
      clearInterval(heartbeat);
      await this.release(runId).catch(() => undefined);
    }
  }

  private async claim(runId: string): Promise<RetentionRunEntity | null> {
    const rows = await returningRows<{ id: string }>(
      this.dataSource,
      `UPDATE retention_run
          SET lease_owner = $2, lease_until = now() + make_interval(secs => $3::double precision / 1000),
              status = CASE WHEN status = 'queued' THEN 'running' ELSE status END
        WHERE id = $1 AND status IN ('queued', 'running')
          AND (lease_until IS NULL OR lease_until < now())
        RETURNING id`,
      [runId, this.owner, this.config.RETENTION_LEASE_MS],
    );
    if (rows.length === 0) return null;
    return this.dataSource.manager.findOneByOrFail(RetentionRunEntity, { id: runId });
  }

  private async renew(runId: string, m: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows = await returningRows<{ id: string }>(
      m,
      `UPDATE retention_run SET lease_until = now() + make_interval(secs => $3::double precision / 1000)
        WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING id`,
      [runId, this.owner, this.config.RETENTION_LEASE_MS],
    );
    return rows.length > 0;
  }

  private async release(runId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE retention_run SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2`,
      [runId, this.owner],
    );
  }

  private async cancelRequested(runId: string): Promise<boolean> {
    const rows = await this.dataSource.query<{ cancel_requested: boolean }[]>(
      `SELECT cancel_requested FROM retention_run WHERE id = $1`,
      [runId],
    );
    return rows[0]?.cancel_requested ?? true;
  }

  private async markStarted(run: RetentionRunEntity): Promise<void> {
    await inTransaction(this.dataSource, async (m) => {
      await m.query(`UPDATE retention_run SET started_at = coalesce(started_at, now()) WHERE id = $1`, [
        run.id,
      ]);
      await this.audit.recordInTransaction(m, {
        type: 'retention.run.started',
        actor: SYSTEM_ACTOR,
        target: { type: 'retention_run', id: run.id },
        payload: { kind: run.kind, dryRun: run.dryRun, system: run.systemCode, datasetId: run.datasetId },
      });
    });
  }

  private async executeDataset(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    lease: LeaseState,
  ): Promise<DatasetOutcome> {
    const [plan] = await this.plans.getRetentionPlan({ datasetId: rd.datasetId });
    // A batch a crash left `prepared` is resolved before anything may end the dataset (removed
    // dataset, no connection string, unreachable database, refused rule): its deletes may have
    // committed in the customer database, and must be counted and audited first.
    const settled = await this.settlePrepared(run, rd, plan ?? null);
    if (settled !== 'settled') return settled;
    if (!plan) {
      await this.failDataset(rd, 'the dataset is no longer registered');
      return 'done';
    }
    switch (plan.system.kind as string) {
      case 'postgres':
        return this.executePostgres(run, rd, plan, lease);
      case 'webhook':
        return this.startWebhook(run, rd, plan);
      case 'manual':
        return this.startManualTask(run, rd, plan);
      default:
        await this.failDataset(rd, `unsupported system kind ${String(plan.system.kind)}`);
        return 'done';
    }
  }

  private async rule(run: RetentionRunEntity, plan: RetentionDatasetPlan): Promise<DatasetRule> {
    const purposes = new Map<string, PurposeFacts>((await this.purposes.listAll()).map((p) => [p.code, p]));
    return buildDatasetRule(plan, purposes, { erasure: run.kind === 'erasure' });
  }

  /**
   * Holds, withdrawals and exemptions of one dataset for this run. `locateBySubject`: Finalité
   * finds the rows itself (postgres), so a subject hold on a dataset without a subject column
   * holds the whole dataset (hold-inputs.ts).
   */
  private async inputsFor(
    run: RetentionRunEntity,
    rule: DatasetRule,
    locateBySubject = false,
  ): Promise<{ inputs: PurgeInputs; exemptions: RetentionExemption[] }> {
    const scope = run.subjectIds;
    const holds = await readHoldInputs(this.holds, rule, scope, locateBySubject);
    const withdrawals = new Map<string, { subjectId: string; withdrawnAt: Date }[]>();
    if (rule.subjectColumn && rule.withdrawalPurposes.length) {
      for (const w of await this.consents.findWithdrawals(rule.withdrawalPurposes, scope ?? undefined)) {
        withdrawals.set(w.purposeCode, [...(withdrawals.get(w.purposeCode) ?? []), w]);
      }
    }
    const exemptions: RetentionExemption[] = [
      ...holds.exemptions,
      ...rule.legalObligationKeeps.map((k) => ({
        kind: 'legal_obligation' as const,
        purposeCode: k.purposeCode,
        fields: k.fields,
        reason: `legal obligation (${k.purposeCode}) keeps these fields until its retention period ends`,
      })),
    ];
    return {
      inputs: {
        withdrawals,
        wholeDatasetHeld: holds.wholeDatasetHeld,
        heldSubjects: holds.heldSubjects,
        subjectFilter: scope,
        hashKey: this.hashKey,
        batchSize: this.config.RETENTION_BATCH_SIZE,
        now: new Date(),
      },
      exemptions,
    };
  }

  private async executePostgres(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    plan: RetentionDatasetPlan,
    lease: LeaseState,
  ): Promise<DatasetOutcome> {
    if (!(await this.lockDataset(rd))) return 'busy';
    if (!plan.system.connectionString) {
      await this.failDataset(rd, 'the system has no connection string');
      return 'done';
    }
    const rule = await this.rule(run, plan);
    const pool = this.postgres.pool(plan.system.connectionString);
    let table: TableFacts | null;
    try {
      table = await this.postgres.inspect(pool, rule.schema, rule.table);
    } catch (err) {
      await this.failDataset(rd, `the system's database is unreachable: ${safeMessage(err)}`);
      return 'done';
    }
    const problems = executionProblems(rule, table);
    if (problems.length) {
      await this.failDataset(rd, `refused: ${problems.join('; ')}`);
      return 'done';
    }
    if (run.subjectIds && !rule.subjectColumn) {
      // An erasure or a consent withdrawal concerns subjects, and nothing tells which rows are
      // theirs: reported as such, never as a purge that found nothing.
      await this.completeNotLocatable(run, rd);
      return 'done';
    }
    let { inputs, exemptions } = await this.inputsFor(run, rule, true);
    const writeExemptions = () =>
      this.dataSource.query(`UPDATE retention_run_dataset SET exemptions = $2 WHERE id = $1`, [
        rd.id,
        JSON.stringify(exemptions),
      ]);
    await writeExemptions();
    /** A hold placed during the run: every later batch honours it, and it is reported. */
    const adoptHolds = async (next: HoldInputs) => {
      inputs = widenHolds(inputs, next);
      exemptions = mergeExemptions(exemptions, next.exemptions);
      await writeExemptions();
    };
    const settings = {
      lockTimeoutMs: this.config.RETENTION_LOCK_TIMEOUT_MS,
      statementTimeoutMs: this.config.RETENTION_STATEMENT_TIMEOUT_MS,
    };
    let failures = 0;
    // A purge batch whose customer transaction committed and that Finalité has not recorded yet:
    // it is recorded in the same Finalité transaction that prepares the next batch (one Finalité
    // transaction per batch), or on its own when the dataset ends or the worker stops.
    let pending: CommittedBatch | null = null;
    const flush = async (): Promise<boolean> => {
      if (!pending) return false;
      const state = await this.commitBatch(run, rd, pending.seq, pending.cursor, pending.outcome);
      pending = null;
      Object.assign(rd, state);
      return state.cancelRequested;
    };
    for (;;) {
      if (this.stopping) {
        await flush();
        return 'stopped';
      }
      // Checked every batch, not only between datasets: a worker that lost its lease must not
      // start another batch (the pending one is resolved by the new owner from its prepared row).
      if (lease.lost) throw new RetentionLeaseLost(`The lease on run ${run.id} was lost`);
      const seq: number = (pending?.seq ?? rd.batches) + 1;
      const cursor: string[] | null = pending ? pending.outcome.lastKey : rd.cursor;
      if (run.dryRun) {
        // A dry run has no preparation transaction: the holds are re-read before each batch.
        const next = await readHoldInputs(this.holds, rule, run.subjectIds, true);
        if (holdsGrew(inputs, next)) await adoptHolds(next);
      }
      const usedHolds = inputs;
      const batch = run.dryRun
        ? {
            read: buildDryRunBatch(
              rule,
              table!,
              inputs,
              cursor,
              Math.max(0, SAMPLE_SIZE - rd.sampleKeys.length),
            ),
          }
        : buildPurgeBatch(rule, table!, inputs, cursor);
      let outcome: BatchOutcome;
      let cancelRequested = false;
      try {
        outcome = await this.postgres.runBatch(
          pool,
          batch,
          run.dryRun,
          settings,
          run.dryRun
            ? undefined
            : async (o) => {
                const state = await this.prepareBatch(run, rd, pending, seq, o, async (m) => {
                  // Re-read in the transaction that prepares the batch: a hold placed since the
                  // batch was built rolls its customer transaction back; it is redone with it.
                  const next = await readHoldInputs(this.holds, rule, run.subjectIds, true, m);
                  if (holdsGrew(usedHolds, next)) {
                    throw new RetentionHoldsChanged('A legal hold was placed during the batch', { next });
                  }
                });
                pending = null;
                if (state) Object.assign(rd, state);
                cancelRequested = state?.cancelRequested ?? false;
              },
        );
      } catch (err) {
        // Lost in the batch's own Finalité transaction: the customer transaction was rolled back.
        if (err instanceof RetentionLeaseLost) throw err;
        if (err instanceof RetentionHoldsChanged) {
          // Nothing of this batch committed (nor was prepared): redo it under the new holds.
          this.logger.log(
            { runId: run.id, dataset: rd.datasetName, seq },
            'Legal holds changed; batch redone',
          );
          await adoptHolds((err.details as { next: HoldInputs }).next);
          continue;
        }
        failures += 1;
        this.logger.warn(
          { err: safeMessage(err), runId: run.id, dataset: rd.datasetName, seq },
          'Batch failed',
        );
        if (failures >= BATCH_ATTEMPTS) {
          // Whatever committed is still counted once: the previous batch, and this one if its
          // COMMIT went through before the error. Neither may be left unrecorded by failing the
          // dataset: a flush error interrupts the run, an unresolved batch leaves it for a retry.
          await flush();
          const settled = await this.settlePrepared(run, rd, plan);
          if (settled !== 'settled') return settled;
          await this.failDataset(rd, `batch ${seq} failed ${failures} times: ${safeMessage(err)}`);
          return 'done';
        }
        await sleep(250 * 2 ** failures);
        // The batch may have been prepared before its COMMIT failed: learn its fate first.
        if (!pending) {
          const settled = await this.settlePrepared(run, rd, plan);
          if (settled !== 'settled') return settled;
        }
        continue;
      }
      failures = 0;
      if (outcome.scanned === 0) {
        await flush();
        await this.dataSource.query(
          `UPDATE retention_run_dataset SET status = 'completed', finished_at = now() WHERE id = $1`,
          [rd.id],
        );
        return 'done';
      }
      if (run.dryRun) {
        const state = await this.commitBatch(run, rd, seq, cursor, outcome);
        Object.assign(rd, state);
        cancelRequested = state.cancelRequested;
      } else {
        pending = { seq, cursor, outcome };
      }
      if (cancelRequested) {
        await flush();
        return 'cancelled';
      }
      if (this.config.RETENTION_BATCH_PAUSE_MS > 0) await sleep(this.config.RETENTION_BATCH_PAUSE_MS);
    }
  }

  /** The per-dataset lock (unique index on running purges). */
  private async lockDataset(rd: RetentionRunDatasetEntity): Promise<boolean> {
    try {
      await this.dataSource.query(
        `UPDATE retention_run_dataset SET status = 'running', started_at = coalesce(started_at, now())
          WHERE id = $1 AND status IN ('pending', 'running')`,
        [rd.id],
      );
      return true;
    } catch (err) {
      if ((err as { driverError?: { code?: string } }).driverError?.code === '23505') return false;
      throw err;
    }
  }

  /**
   * Written before the customer transaction commits, with its id: the crash-recovery record.
   * The same Finalité transaction records the previous batch, whose customer transaction has
   * committed (cursor, counts, audit event): one Finalité transaction per batch.
   */
  private async prepareBatch(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    previous: CommittedBatch | null,
    seq: number,
    o: BatchOutcome,
    checkHolds?: (m: EntityManager) => Promise<void>,
  ): Promise<BatchState | null> {
    return inTransaction(this.dataSource, async (m) => {
      await checkHolds?.(m);
      const state = previous
        ? await this.recordBatch(m, run, rd, previous.seq, previous.cursor, previous.outcome)
        : null;
      await m.query(
        `INSERT INTO purge_batch (run_id, run_dataset_id, seq, state, customer_xid, key_from, key_to,
           rows_scanned, rows_deleted, rows_anonymised, rows_held, rows_undated, duration_ms)
         VALUES ($1, $2, $3, 'prepared', $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          run.id,
          rd.id,
          seq,
          o.customerXid,
          JSON.stringify(o.firstKey),
          JSON.stringify(o.lastKey),
          o.scanned,
          o.deleted,
          o.anonymised,
          o.held,
          o.undated,
          o.durationMs,
        ],
      );
      return state;
    });
  }

  /**
   * Records a batch whose customer transaction committed (or a dry-run batch): cursor, counts
   * and the audit event, in one Finalité transaction guarded by the expected batch number, so
   * a batch is counted exactly once.
   */
  private async commitBatch(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    seq: number,
    cursor: string[] | null,
    o: BatchOutcome,
  ): Promise<BatchState> {
    return inTransaction(this.dataSource, (m) => this.recordBatch(m, run, rd, seq, cursor, o));
  }

  /** commitBatch's work inside the caller's Finalité transaction. */
  private async recordBatch(
    m: EntityManager,
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    seq: number,
    cursor: string[] | null,
    o: BatchOutcome,
  ): Promise<BatchState> {
    // The lease first: a worker that lost the run records nothing, and throwing rolls back this
    // Finalité transaction (and, from prepareBatch, the customer transaction not yet committed).
    const lease = await returningRows<{ cancel_requested: boolean }>(
      m,
      `UPDATE retention_run SET lease_until = now() + make_interval(secs => $3::double precision / 1000)
        WHERE id = $1 AND lease_owner = $2 RETURNING cancel_requested`,
      [run.id, this.owner, this.config.RETENTION_LEASE_MS],
    );
    if (lease.length === 0) {
      throw new RetentionLeaseLost(`The lease on run ${run.id} was lost before batch ${seq} was recorded`);
    }
    if (run.dryRun) {
      await m.query(
        `INSERT INTO purge_batch (run_id, run_dataset_id, seq, state, key_from, key_to, rows_scanned,
           rows_deleted, rows_anonymised, rows_held, rows_undated, duration_ms, committed_at)
         VALUES ($1, $2, $3, 'committed', $4, $5, $6, $7, $8, $9, $10, $11, now())`,
        [
          run.id,
          rd.id,
          seq,
          JSON.stringify(o.firstKey),
          JSON.stringify(o.lastKey),
          o.scanned,
          o.deleted,
          o.anonymised,
          o.held,
          o.undated,
          o.durationMs,
        ],
      );
    } else {
      const updated = await returningRows<unknown>(
        m,
        `UPDATE purge_batch SET state = 'committed', committed_at = now(), duration_ms = $3
          WHERE run_dataset_id = $1 AND seq = $2 AND state = 'prepared' RETURNING id`,
        [rd.id, seq, o.durationMs],
      );
      if (updated.length === 0) throw new Error(`Batch ${seq} of ${rd.id} was not prepared`);
    }
    const sample = [...rd.sampleKeys, ...o.sample].slice(0, SAMPLE_SIZE);
    const moved = await returningRows<unknown>(
      m,
      `UPDATE retention_run_dataset
          SET cursor = $3, batches = $2, rows_scanned = rows_scanned + $4, rows_deleted = rows_deleted + $5,
              rows_anonymised = rows_anonymised + $6, rows_held = rows_held + $7, rows_undated = rows_undated + $8,
              sample_keys = $9
        WHERE id = $1 AND batches = $2 - 1 RETURNING id`,
      [
        rd.id,
        seq,
        JSON.stringify(o.lastKey),
        o.scanned,
        o.deleted,
        o.anonymised,
        o.held,
        o.undated,
        JSON.stringify(sample),
      ],
    );
    if (moved.length === 0) throw new Error(`Batch ${seq} of ${rd.id} is already recorded`);
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
        durationMs: o.durationMs,
      },
    });
    return {
      batches: seq,
      cursor: o.lastKey,
      sampleKeys: sample,
      cancelRequested: lease[0].cancel_requested,
    };
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
  private async settlePrepared(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    plan: RetentionDatasetPlan | null,
  ): Promise<'settled' | 'retry' | 'done'> {
    if (run.dryRun || rd.executor !== 'postgres') return 'settled';
    const prepared = await this.dataSource.manager.findOne(PurgeBatchEntity, {
      where: { runDatasetId: rd.id, state: 'prepared' },
    });
    if (!prepared) return 'settled';
    const unresolved = `batch ${prepared.seq} was prepared (${prepared.rowsDeleted} deleted, ${prepared.rowsAnonymised} anonymised, if its customer transaction committed) and cannot be resolved`;
    const connectionString = plan
      ? plan.system.connectionString
      : // From the system itself: its last dataset may be the one that was removed.
        await this.plans.systemConnectionString(rd.systemCode);
    if (!connectionString) {
      await this.failDataset(rd, `${unresolved}: the system has no connection string`);
      return 'done';
    }
    try {
      await this.resolvePrepared(run, rd, this.postgres.pool(connectionString), prepared);
      return 'settled';
    } catch (err) {
      if (err instanceof RetentionLeaseLost) throw err;
      if (err instanceof RetentionBatchOutcomeUnknown) {
        await this.failDataset(rd, `${unresolved}: ${err.message}`);
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
   * A batch left `prepared` by a crash: its customer transaction either committed (record it
   * now, with the counts it had) or did not (forget it; the batch is redone from the cursor).
   * Throws RetentionBatchOutcomeUnknown when the customer database no longer knows.
   */
  private async resolvePrepared(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    pool: Pool,
    prepared: PurgeBatchEntity,
  ): Promise<void> {
    for (let i = 0; ; i++) {
      const status = await this.postgres.transactionStatus(pool, prepared.customerXid!);
      if (status === 'committed') {
        const state = await this.commitBatch(run, rd, prepared.seq, rd.cursor, {
          scanned: prepared.rowsScanned,
          deleted: prepared.rowsDeleted,
          anonymised: prepared.rowsAnonymised,
          held: prepared.rowsHeld,
          undated: prepared.rowsUndated,
          firstKey: prepared.keyFrom,
          lastKey: prepared.keyTo,
          sample: [],
          customerXid: prepared.customerXid,
          durationMs: prepared.durationMs,
        });
        Object.assign(rd, state);
        this.logger.log({ runId: run.id, seq: prepared.seq }, 'Recovered a batch committed before a crash');
        return;
      }
      if (status === 'aborted') {
        await this.dataSource.query(`DELETE FROM purge_batch WHERE id = $1`, [prepared.id]);
        return;
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
      await sleep(500);
    }
  }

  /**
   * Cancels what is left of the run once no batch of it is left `prepared`: a crash may have
   * left one whose deletes committed, and cancelling first would end its dataset uncounted.
   * While one cannot be resolved, the cancel stays requested and the run is resumed later.
   */
  private async cancelRun(run: RetentionRunEntity): Promise<void> {
    const datasets = await this.dataSource.manager.find(RetentionRunDatasetEntity, {
      where: { runId: run.id, status: In(['pending', 'running']) },
      order: { position: 'ASC' },
    });
    for (const rd of datasets) {
      const [plan] = await this.plans.getRetentionPlan({ datasetId: rd.datasetId });
      if ((await this.settlePrepared(run, rd, plan ?? null)) === 'retry') return;
    }
    await this.cancelRemaining(run.id);
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
    await this.dataSource.query(
      `UPDATE retention_run_dataset SET status = 'completed', exemptions = $2, finished_at = now() WHERE id = $1`,
      [rd.id, JSON.stringify([exemption])],
    );
  }

  /** `tokenHash`: only while the dataset waits on that webhook delivery (not superseded or confirmed). */
  private async failDataset(
    rd: RetentionRunDatasetEntity,
    message: string,
    tokenHash?: string,
  ): Promise<void> {
    rd.status = 'failed';
    await this.dataSource.query(
      `UPDATE retention_run_dataset SET status = 'failed', error = $2, errors = errors + 1, finished_at = now(),
              callback_token_hash = NULL, webhook_redeliver_at = NULL
        WHERE id = $1 ${tokenHash ? `AND callback_token_hash = $3 AND status = 'waiting'` : ''}`,
      tokenHash ? [rd.id, message.slice(0, 2000), tokenHash] : [rd.id, message.slice(0, 2000)],
    );
  }

  // ---- webhook executor -------------------------------------------------------------------

  private async startWebhook(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    plan: RetentionDatasetPlan,
  ): Promise<DatasetOutcome> {
    if (!plan.system.webhookUrl || !plan.system.webhookSecret) {
      await this.failDataset(rd, 'the system has no webhook URL or secret');
      return 'done';
    }
    // One-time callback token: only its hash is stored; the token travels in the job. The state is
    // durable before the job is queued: should the job be lost (in-process restart, Redis lost),
    // the sweep re-sends the delivery, with a fresh token, once webhook_redeliver_at has passed.
    const token = randomBytes(32).toString('base64url');
    await this.dataSource.query(
      `UPDATE retention_run_dataset
          SET status = 'waiting', callback_token_hash = $2, started_at = now(), webhook_attempts = 0,
              webhook_delivered_at = NULL,
              webhook_redeliver_at = now() + make_interval(secs => $3::double precision / 1000)
        WHERE id = $1`,
      [rd.id, tokenHash(token), this.redeliveryGraceMs()],
    );
    await this.queueDelivery(rd.id, token, 0);
    return 'waiting';
  }

  /**
   * How long past an attempt's expected time the sweep waits before presuming its job lost (one
   * sweep period: a job that is merely late is not raced).
   */
  private redeliveryGraceMs(): number {
    return this.config.RETENTION_LEASE_MS;
  }

  /** Queues delivery attempt `done + 1` (one attempt per job; the next is queued by this one). */
  private async queueDelivery(
    runDatasetId: string,
    token: string,
    done: number,
    delayMs?: number,
  ): Promise<void> {
    try {
      await this.jobs.dispatch(
        RETENTION_WEBHOOK_JOB,
        { runDatasetId, token },
        // Unique per token and attempt: a superseded or failed job's id never blocks a later one.
        { jobId: `retention-webhook-${runDatasetId}-${tokenHash(token).slice(0, 12)}-${done + 1}`, delayMs },
      );
    } catch (err) {
      this.logger.warn(
        { err: safeMessage(err), runDatasetId },
        'Webhook delivery not queued; the sweep will re-send it',
      );
    }
  }

  /**
   * The webhook half of the sweep. A dataset waiting longer than RETENTION_CALLBACK_DEADLINE_MS
   * fails with an explicit error (and no longer blocks later runs of its dataset); a delivery not
   * acknowledged by its webhook_redeliver_at is re-sent with a fresh token (the old one is void).
   */
  private async sweepWebhooks(): Promise<void> {
    const deadlineMs = this.config.RETENTION_CALLBACK_DEADLINE_MS;
    const expired = await this.dataSource.query<
      { id: string; run_id: string; attempts: number; delivered_at: Date | null; redeliver_at: Date | null }[]
    >(
      `SELECT id, run_id, webhook_attempts AS attempts, webhook_delivered_at AS delivered_at,
              webhook_redeliver_at AS redeliver_at
         FROM retention_run_dataset
        WHERE executor = 'webhook' AND status = 'waiting'
          AND started_at < now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY started_at LIMIT 100`,
      [deadlineMs],
    );
    for (const d of expired) {
      if (this.stopping) return;
      const why = d.delivered_at
        ? `the webhook was delivered at ${new Date(d.delivered_at).toISOString()} and no callback came; what the system purged is unknown`
        : d.attempts === 0 && d.redeliver_at === null
          ? // Started before deliveries were recorded (migration 1795400730000): nothing is known.
            'the delivery state is unknown (started before deliveries were recorded) and no callback came'
          : `the webhook was never acknowledged (${d.attempts} delivery attempt(s))`;
      const failed = await returningRows<{ id: string }>(
        this.dataSource,
        `UPDATE retention_run_dataset
            SET status = 'failed', error = $2, errors = errors + 1, finished_at = now(),
                callback_token_hash = NULL, webhook_redeliver_at = NULL
          WHERE id = $1 AND status = 'waiting' RETURNING id`,
        [
          d.id,
          `callback deadline passed: the system did not confirm its purge within ${durationText(deadlineMs)} (RETENTION_CALLBACK_DEADLINE_MS); ${why}`,
        ],
      );
      if (failed.length === 0) continue;
      this.logger.warn({ runId: d.run_id, runDatasetId: d.id }, 'Webhook callback deadline passed');
      await this.finishIfDone(d.run_id);
    }
    const lost = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM retention_run_dataset
        WHERE executor = 'webhook' AND status = 'waiting' AND webhook_delivered_at IS NULL
          AND webhook_redeliver_at < now()
        ORDER BY webhook_redeliver_at LIMIT 100`,
    );
    for (const d of lost) {
      if (this.stopping) return;
      await this.redeliver(d.id);
    }
  }

  /** Re-sends a delivery whose job was lost, with a fresh token (the previous one stops working). */
  private async redeliver(runDatasetId: string): Promise<void> {
    const token = randomBytes(32).toString('base64url');
    // Guarded like a claim: of two instances sweeping together, one re-sends.
    const rows = await returningRows<{ attempts: number }>(
      this.dataSource,
      `UPDATE retention_run_dataset
          SET callback_token_hash = $2,
              webhook_redeliver_at = now() + make_interval(secs => $3::double precision / 1000)
        WHERE id = $1 AND status = 'waiting' AND webhook_delivered_at IS NULL AND webhook_redeliver_at < now()
          -- Attempts are spent: no more re-sends; the callback deadline ends the dataset.
          AND webhook_attempts < $4
        RETURNING webhook_attempts AS attempts`,
      [runDatasetId, tokenHash(token), this.redeliveryGraceMs(), this.config.RETENTION_WEBHOOK_ATTEMPTS],
    );
    if (rows.length === 0) return;
    this.logger.warn(
      { runDatasetId, attempts: rows[0].attempts },
      'Webhook delivery not acknowledged and its job is gone; re-sent with a fresh token',
    );
    await this.queueDelivery(runDatasetId, token, rows[0].attempts);
  }

  /**
   * The `retention.webhook` job: one signed delivery attempt. A failed attempt queues the next one
   * after the backoff (RETENTION_WEBHOOK_BACKOFF_MS, doubled each time) until
   * RETENTION_WEBHOOK_ATTEMPTS attempts (counted in PostgreSQL, across re-deliveries) have failed.
   */
  async deliverWebhook(runDatasetId: string, token: string): Promise<void> {
    const hash = tokenHash(token);
    // Claims one attempt, fenced by the token: a delivery superseded by a re-send (fresh token),
    // acknowledged, confirmed or ended does nothing. While the attempt is in flight the sweep
    // leaves the dataset alone (the request's timeout, then the grace).
    const claimed = await returningRows<{ attempts: number }>(
      this.dataSource,
      `UPDATE retention_run_dataset
          SET webhook_attempts = webhook_attempts + 1,
              webhook_redeliver_at = now() + make_interval(secs => $3::double precision / 1000)
        WHERE id = $1 AND callback_token_hash = $2 AND status = 'waiting' AND webhook_delivered_at IS NULL
        RETURNING webhook_attempts AS attempts`,
      [runDatasetId, hash, WEBHOOK_TIMEOUT_MS + this.redeliveryGraceMs()],
    );
    if (claimed.length === 0) return;
    const attempt = claimed[0].attempts;
    const rd = await this.dataSource.manager.findOneByOrFail(RetentionRunDatasetEntity, { id: runDatasetId });
    const run = await this.dataSource.manager.findOneByOrFail(RetentionRunEntity, { id: rd.runId });
    const [plan] = await this.plans.getRetentionPlan({ datasetId: rd.datasetId });
    if (!plan?.system.webhookUrl || !plan.system.webhookSecret) {
      await this.failDataset(rd, 'the system has no webhook URL or secret any more', hash);
      return this.finishIfDone(run.id);
    }
    const rule = await this.rule(run, plan);
    const { inputs, exemptions } = await this.inputsFor(run, rule);
    if (inputs.wholeDatasetHeld) {
      await this.dataSource.query(
        `UPDATE retention_run_dataset SET status = 'completed', exemptions = $3, callback_token_hash = NULL,
                webhook_redeliver_at = NULL, finished_at = now()
          WHERE id = $1 AND callback_token_hash = $2 AND status = 'waiting'`,
        [rd.id, hash, JSON.stringify(exemptions)],
      );
      return this.finishIfDone(run.id);
    }
    const callbackPath = `/retention/callbacks/${token}`;
    const body = JSON.stringify({
      event: 'retention.purge',
      runId: run.id,
      // The same for every (re-)delivery of this dataset: a system may receive it more than once
      // (a re-send after a lost job); the callback of the latest one is the valid one.
      deliveryId: rd.id,
      attempt,
      dryRun: run.dryRun,
      system: plan.system.code,
      dataset: { id: plan.dataset.id, name: plan.dataset.name, subjectColumn: plan.dataset.subjectColumn },
      subjectIds: inputs.subjectFilter
        ? inputs.subjectFilter.filter((s) => !inputs.heldSubjects.includes(s))
        : null,
      excludeSubjectIds: inputs.subjectFilter ? [] : inputs.heldSubjects,
      fields: rule.fields.map((f) => ({
        key: f.key,
        column: f.column,
        anonymisation: f.anonymisation,
        // The state tells apart the fields with no purpose listed: due now (no_active_purpose) or
        // never (unbound, not_in_use).
        state: f.state,
        rule: describeFieldRule(f),
        purposes: f.keeps.map((k) => ({
          purposeCode: k.purposeCode,
          expiry:
            k.expiry.kind === 'time'
              ? {
                  kind: 'time',
                  column: k.expiry.column,
                  duration: k.expiry.durationText,
                  endsOnWithdrawal: k.expiry.endsOnWithdrawal,
                }
              : k.expiry.kind === 'after_withdrawal'
                ? { kind: 'after_withdrawal', duration: k.expiry.durationText }
                : k.expiry,
        })),
      })),
      withdrawals: Object.fromEntries(
        [...inputs.withdrawals].map(([p, ws]) => [
          p,
          ws.map((w) => ({ subjectId: w.subjectId, withdrawnAt: w.withdrawnAt })),
        ]),
      ),
      callback: {
        token,
        path: callbackPath,
        url: this.config.RETENTION_CALLBACK_BASE_URL
          ? `${this.config.RETENTION_CALLBACK_BASE_URL.replace(/\/$/, '')}${callbackPath}`
          : null,
        deadline: new Date(
          (rd.startedAt ?? new Date()).getTime() + this.config.RETENTION_CALLBACK_DEADLINE_MS,
        ).toISOString(),
      },
      sentAt: new Date().toISOString(),
    });
    const signature = createHmac('sha256', plan.system.webhookSecret).update(body, 'utf8').digest('hex');
    let failure: string | null = null;
    try {
      const response = await fetch(plan.system.webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-finalite-signature': `sha256=${signature}`,
          'x-finalite-delivery': rd.id,
        },
        body,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      if (!response.ok) failure = `the system answered HTTP ${response.status}`;
    } catch (err) {
      failure = `the system is unreachable: ${safeMessage(err)}`;
    }
    if (failure) {
      if (attempt >= this.config.RETENTION_WEBHOOK_ATTEMPTS) {
        await this.failDataset(rd, `webhook not delivered after ${attempt} attempts: ${failure}`, hash);
        await this.finishIfDone(run.id);
        return;
      }
      // The next attempt after the backoff; should its job be lost, the sweep re-sends it a grace
      // period after it was due.
      const waitMs = this.config.RETENTION_WEBHOOK_BACKOFF_MS * 2 ** (attempt - 1);
      const next = await returningRows<{ id: string }>(
        this.dataSource,
        `UPDATE retention_run_dataset
            SET webhook_redeliver_at = now() + make_interval(secs => $3::double precision / 1000)
          WHERE id = $1 AND callback_token_hash = $2 AND status = 'waiting' RETURNING id`,
        [rd.id, hash, waitMs + this.redeliveryGraceMs()],
      );
      this.logger.warn({ runDatasetId: rd.id, attempt, failure }, 'Webhook delivery attempt failed');
      if (next.length) await this.queueDelivery(rd.id, token, attempt, waitMs);
      return;
    }
    const acknowledged = await returningRows<{ id: string }>(
      this.dataSource,
      `UPDATE retention_run_dataset
          SET exemptions = $3, webhook_delivered_at = coalesce(webhook_delivered_at, now()),
              webhook_redeliver_at = NULL
        WHERE id = $1 AND callback_token_hash = $2 RETURNING id`,
      [rd.id, hash, JSON.stringify(exemptions)],
    );
    if (acknowledged.length === 0) return; // superseded or confirmed meanwhile
    await this.audit.append({
      type: 'retention.webhook.delivered',
      actor: SYSTEM_ACTOR,
      target: { type: 'retention_run', id: run.id },
      payload: { runId: run.id, system: rd.systemCode, datasetId: rd.datasetId, attempt },
    });
  }

  /** A webhook system confirms its purge (the one-time token authenticates it). */
  async acceptCallback(
    token: string,
    report: {
      status: 'completed' | 'failed';
      deleted: number;
      anonymised: number;
      held?: number;
      message?: string;
    },
  ): Promise<RetentionRunDatasetEntity | null> {
    // One-time: only a waiting dataset accepts it. The hash is kept, so that the acknowledgement
    // of a delivery the system confirmed before its answer was recorded is still recorded.
    const rd = await inTransaction(this.dataSource, async (m) => {
      const rows = await returningRows<{ id: string }>(
        m,
        `UPDATE retention_run_dataset
            SET status = $2, rows_deleted = $3, rows_anonymised = $4, rows_held = rows_held + $5,
                errors = errors + $6, error = $7, finished_at = now(),
                webhook_delivered_at = coalesce(webhook_delivered_at, now()), webhook_redeliver_at = NULL
          WHERE callback_token_hash = $1 AND status = 'waiting' RETURNING id`,
        [
          tokenHash(token),
          report.status,
          report.deleted,
          report.anonymised,
          report.held ?? 0,
          report.status === 'failed' ? 1 : 0,
          report.status === 'failed' ? (report.message ?? 'the system reported a failure') : null,
        ],
      );
      if (rows.length === 0) return null;
      const updated = await m.findOneByOrFail(RetentionRunDatasetEntity, { id: rows[0].id });
      await this.audit.recordInTransaction(m, {
        type: 'retention.batch',
        actor: { type: 'system', id: `system:${updated.systemCode}`, name: updated.systemCode },
        target: { type: 'retention_run', id: updated.runId },
        payload: {
          runId: updated.runId,
          system: updated.systemCode,
          datasetId: updated.datasetId,
          dataset: updated.datasetName,
          source: 'webhook',
          status: report.status,
          deleted: report.deleted,
          anonymised: report.anonymised,
          held: report.held ?? 0,
        },
      });
      return updated;
    });
    if (rd) await this.finishIfDone(rd.runId);
    return rd;
  }

  // ---- manual executor --------------------------------------------------------------------

  private async startManualTask(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    plan: RetentionDatasetPlan,
  ): Promise<DatasetOutcome> {
    const rule = await this.rule(run, plan);
    const { inputs, exemptions } = await this.inputsFor(run, rule);
    const subjects = inputs.subjectFilter?.filter((s) => !inputs.heldSubjects.includes(s)) ?? null;
    const lines = [
      `${run.dryRun ? 'Count (do not change)' : 'Purge'} in ${plan.system.code} / ${plan.dataset.name}:`,
      ...rule.fields.map((f) => `- ${describeFieldRule(f)}`),
      ...(subjects ? [`Only the records of the subjects listed with this task.`] : []),
      ...(inputs.wholeDatasetHeld ? ['A legal hold covers this dataset: change nothing and report 0.'] : []),
      ...(inputs.heldSubjects.length && !subjects
        ? [
            `Legal holds: leave the records of ${inputs.heldSubjects.length} held subject(s) untouched (listed with this task).`,
          ]
        : []),
    ];
    await inTransaction(this.dataSource, async (m) => {
      await m.insert(ManualTaskEntity, {
        runId: run.id,
        runDatasetId: rd.id,
        systemCode: plan.system.code,
        datasetId: plan.dataset.id,
        datasetName: plan.dataset.name,
        instructions: lines.join('\n'),
        // The subjects listed with the task: the only ones concerned (subject-level run), else
        // the held ones to leave untouched (the API returns them as excludeSubjectIds).
        subjectIds: subjects ?? (inputs.heldSubjects.length ? inputs.heldSubjects : null),
        status: 'open',
        rowsDeleted: null,
        rowsAnonymised: null,
        note: null,
        completedBy: null,
        completedAt: null,
        createdAt: new Date(),
      });
      await m.query(
        `UPDATE retention_run_dataset SET status = 'waiting', exemptions = $2, started_at = now() WHERE id = $1`,
        [rd.id, JSON.stringify(exemptions)],
      );
    });
    return 'waiting';
  }

  async completeManualTask(
    task: ManualTaskEntity,
    report: { deleted: number; anonymised: number; note?: string },
    actor: Actor,
  ): Promise<void> {
    await inTransaction(this.dataSource, async (m) => {
      await m.update(
        ManualTaskEntity,
        { id: task.id },
        {
          status: 'done',
          rowsDeleted: report.deleted,
          rowsAnonymised: report.anonymised,
          note: report.note ?? null,
          completedBy: actor,
          completedAt: new Date(),
        },
      );
      await m.query(
        `UPDATE retention_run_dataset SET status = 'completed', rows_deleted = $2, rows_anonymised = $3, finished_at = now()
          WHERE id = $1 AND status = 'waiting'`,
        [task.runDatasetId, report.deleted, report.anonymised],
      );
      await this.audit.recordInTransaction(m, {
        type: 'retention.batch',
        actor,
        target: { type: 'retention_run', id: task.runId },
        payload: {
          runId: task.runId,
          system: task.systemCode,
          datasetId: task.datasetId,
          dataset: task.datasetName,
          source: 'manual',
          taskId: task.id,
          deleted: report.deleted,
          anonymised: report.anonymised,
        },
      });
    });
    await this.finishIfDone(task.runId);
  }

  // ---- run completion ---------------------------------------------------------------------

  /** Cancels what is left of a run (requested by the API; seen between batches). */
  async cancelRemaining(runId: string, actor: Actor = SYSTEM_ACTOR): Promise<void> {
    await inTransaction(this.dataSource, async (m) => {
      await m.query(
        `UPDATE retention_run_dataset SET status = 'cancelled', callback_token_hash = NULL, finished_at = now()
          WHERE run_id = $1 AND status IN ('pending', 'running', 'waiting')`,
        [runId],
      );
      await m.query(`UPDATE manual_task SET status = 'cancelled' WHERE run_id = $1 AND status = 'open'`, [
        runId,
      ]);
    });
    await this.finishIfDone(runId, actor);
  }

  /** Closes the run once every dataset is finished; `waiting` while callbacks or tasks are open. */
  async finishIfDone(runId: string, actor: Actor = SYSTEM_ACTOR): Promise<void> {
    const finished = await inTransaction(this.dataSource, async (m) => {
      const run = await m.findOne(RetentionRunEntity, {
        where: { id: runId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!run || ['completed', 'failed', 'cancelled'].includes(run.status)) return null;
      const datasets = await m.find(RetentionRunDatasetEntity, {
        where: { runId },
        order: { position: 'ASC' },
      });
      if (datasets.some((d) => d.status === 'pending' || d.status === 'running')) return null;
      if (datasets.some((d) => d.status === 'waiting')) {
        if (run.status !== 'waiting')
          await m.update(RetentionRunEntity, { id: runId }, { status: 'waiting' });
        return null;
      }
      const status: RetentionRunStatus = datasets.some((d) => d.status === 'cancelled')
        ? 'cancelled'
        : datasets.some((d) => d.status === 'failed')
          ? 'failed'
          : 'completed';
      const failures = datasets
        .filter((d) => d.status === 'failed')
        .map((d) => `${d.datasetName}: ${d.error}`);
      await m.update(
        RetentionRunEntity,
        { id: runId },
        {
          status,
          finishedAt: new Date(),
          leaseOwner: null,
          leaseUntil: null,
          error: failures.length ? failures.join('; ').slice(0, 4000) : null,
        },
      );
      await this.audit.recordInTransaction(m, {
        type: `retention.run.${status}`,
        actor,
        target: { type: 'retention_run', id: runId },
        payload: {
          kind: run.kind,
          dryRun: run.dryRun,
          datasets: datasets.map((d) => ({
            system: d.systemCode,
            datasetId: d.datasetId,
            dataset: d.datasetName,
            status: d.status,
            batches: d.batches,
            scanned: d.rowsScanned,
            deleted: d.rowsDeleted,
            anonymised: d.rowsAnonymised,
            held: d.rowsHeld,
            undated: d.rowsUndated,
            errors: d.errors,
            error: d.error,
          })),
        },
      });
      return { runId, kind: run.kind, status };
    });
    if (finished)
      this.events.emit(RETENTION_RUN_FINISHED_EVENT, finished satisfies RetentionRunFinishedEvent);
  }

  /** Datasets of runs, for views (kept here so the entity stays inside the module). */
  async datasetsOf(runIds: string[]): Promise<RetentionRunDatasetEntity[]> {
    if (runIds.length === 0) return [];
    return this.dataSource.manager.find(RetentionRunDatasetEntity, {
      where: { runId: In(runIds) },
      order: { position: 'ASC' },
    });
  }
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A duration in its largest whole unit ("7 days", "2 seconds"), else in ms. */
function durationText(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1_000, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms === size ? '' : 's'}`;
  }
  return `${ms} ms`;
}

/** Error text without connection strings or values (pg messages may quote a DETAIL row). */
function safeMessage(err: unknown): string {
  const e = err as { message?: string; code?: string };
  const message = (e?.message ?? String(err)).replace(/postgres(ql)?:\/\/\S+/g, '<connection>');
  return `${e?.code ? `[${e.code}] ` : ''}${message}`.slice(0, 500);
}
