import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../../database/transaction';
import type { RetentionDatasetPlan } from '../../inventory/inventory.types';
import { RetentionRunDatasetEntity } from '../entities/retention-run-dataset.entity';
import { RetentionRunEntity, RetentionRunStatus } from '../entities/retention-run.entity';
import { returningRows } from '../returning-rows';
import { UNFINISHED_DATASET_STATUSES } from './run-dataset-state';

const LEASE_INTERVAL = 'make_interval(secs => $3::double precision / 1000)';
const CREATE_LOCK = 0x52_45_54_4e; // "RETN": serialises run creation (the in-progress check)

/** A dataset already being purged by an unfinished on-demand or scheduled run. */
export interface BusyDataset {
  datasetId: string;
  dataset: string;
  runId: string;
}

/** The SQL of `retention_run`: creation, the lease, cancellation and the end of a run. */
@Injectable()
export class RetentionRunRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource, work);
  }

  // ---- the lease ------------------------------------------------------------------------------

  /** Takes a queued run, or a running one whose lease expired (false: someone else holds it). */
  async claim(runId: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = await returningRows<{ id: string }>(
      this.dataSource,
      `UPDATE retention_run
          SET lease_owner = $2, lease_until = now() + ${LEASE_INTERVAL},
              status = CASE WHEN status = 'queued' THEN 'running' ELSE status END
        WHERE id = $1 AND status IN ('queued', 'running')
          AND (lease_until IS NULL OR lease_until < now())
        RETURNING id`,
      [runId, owner, leaseMs],
    );
    return rows.length > 0;
  }

  /** The heartbeat: false when the lease is no longer this owner's. */
  async renew(runId: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = await returningRows<{ id: string }>(
      this.dataSource,
      `UPDATE retention_run SET lease_until = now() + ${LEASE_INTERVAL}
        WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING id`,
      [runId, owner, leaseMs],
    );
    return rows.length > 0;
  }

  /** Renewed from a batch's Finalité transaction: null when lost, else whether a cancel is requested. */
  async renewInTransaction(
    m: EntityManager,
    runId: string,
    owner: string,
    leaseMs: number,
  ): Promise<{ cancelRequested: boolean } | null> {
    const rows = await returningRows<{ cancel_requested: boolean }>(
      m,
      `UPDATE retention_run SET lease_until = now() + ${LEASE_INTERVAL}
        WHERE id = $1 AND lease_owner = $2 RETURNING cancel_requested`,
      [runId, owner, leaseMs],
    );
    return rows.length ? { cancelRequested: rows[0].cancel_requested } : null;
  }

  async release(runId: string, owner: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE retention_run SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2`,
      [runId, owner],
    );
  }

  /** Queued runs and runs whose lease expired: what the sweep re-dispatches. */
  async orphaned(limit = 100): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM retention_run
        WHERE status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < now())
        ORDER BY created_at LIMIT ${Number(limit)}`,
    );
    return rows.map((r) => r.id);
  }

  // ---- the run's life -------------------------------------------------------------------------

  find(id: string): Promise<RetentionRunEntity | null> {
    return this.dataSource.manager.findOneBy(RetentionRunEntity, { id });
  }

  findOrFail(id: string): Promise<RetentionRunEntity> {
    return this.dataSource.manager.findOneByOrFail(RetentionRunEntity, { id });
  }

  /** Locked for the rest of the caller's transaction (cancel, completion). */
  lockForUpdate(m: EntityManager, id: string): Promise<RetentionRunEntity | null> {
    return m.findOne(RetentionRunEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async markStarted(m: EntityManager, runId: string): Promise<void> {
    await m.query(`UPDATE retention_run SET started_at = coalesce(started_at, now()) WHERE id = $1`, [runId]);
  }

  /** True when a cancel was requested, or the run is gone. */
  async cancelRequested(runId: string): Promise<boolean> {
    const rows = await this.dataSource.query<{ cancel_requested: boolean }[]>(
      `SELECT cancel_requested FROM retention_run WHERE id = $1`,
      [runId],
    );
    return rows[0]?.cancel_requested ?? true;
  }

  async requestCancel(m: EntityManager, id: string): Promise<void> {
    await m.update(RetentionRunEntity, { id }, { cancelRequested: true });
  }

  async setStatus(m: EntityManager, id: string, status: RetentionRunStatus): Promise<void> {
    await m.update(RetentionRunEntity, { id }, { status });
  }

  /** The run's final status: the lease is dropped with it. */
  async finish(
    m: EntityManager,
    id: string,
    status: RetentionRunStatus,
    error: string | null,
  ): Promise<void> {
    await m.update(
      RetentionRunEntity,
      { id },
      { status, finishedAt: new Date(), leaseOwner: null, leaseUntil: null, error },
    );
  }

  // ---- creation -------------------------------------------------------------------------------

  /** Serialises run creation for the rest of the transaction (the busy check, then the insert). */
  async lockCreation(m: EntityManager): Promise<void> {
    await m.query('SELECT pg_advisory_xact_lock($1)', [CREATE_LOCK]);
  }

  /** Of these datasets, those an unfinished on-demand or scheduled purge holds. */
  async busyDatasets(m: EntityManager, datasetIds: string[]): Promise<BusyDataset[]> {
    const busy = await m.query<{ dataset_id: string; dataset_name: string; run_id: string }[]>(
      `SELECT rd.dataset_id, rd.dataset_name, rd.run_id FROM retention_run_dataset rd
         JOIN retention_run r ON r.id = rd.run_id
        WHERE rd.dataset_id = ANY($1::text[]) AND rd.status = ANY($2::text[])
          AND NOT rd.dry_run AND r.kind IN ('on_demand', 'scheduled')
        ORDER BY rd.dataset_name, rd.dataset_id`,
      [datasetIds, UNFINISHED_DATASET_STATUSES],
    );
    return busy.map((b) => ({ datasetId: b.dataset_id, dataset: b.dataset_name, runId: b.run_id }));
  }

  async insert(
    m: EntityManager,
    run: Pick<
      RetentionRunEntity,
      | 'kind'
      | 'dryRun'
      | 'systemCode'
      | 'datasetId'
      | 'subjectIds'
      | 'purposeCodes'
      | 'scheduleKey'
      | 'requestedBy'
    >,
    plans: RetentionDatasetPlan[],
  ): Promise<RetentionRunEntity> {
    const created = await m.save(
      m.create(RetentionRunEntity, {
        ...run,
        status: 'queued',
        cancelRequested: false,
        createdAt: new Date(),
        startedAt: null,
        finishedAt: null,
        leaseOwner: null,
        leaseUntil: null,
        error: null,
      }),
    );
    if (plans.length) {
      await m.insert(
        RetentionRunDatasetEntity,
        plans.map((p, i) => ({
          runId: created.id,
          position: i,
          dryRun: run.dryRun,
          systemCode: p.system.code,
          datasetId: p.dataset.id,
          datasetName: p.dataset.name,
          executor: p.system.kind,
          status: 'pending' as const,
          cursor: null,
          sampleKeys: [],
          exemptions: [],
        })),
      );
    }
    return created;
  }

  // ---- views ----------------------------------------------------------------------------------

  /** A page of runs, newest first, after the keyset cursor. */
  async page(
    filter: { status?: string; kind?: string; after?: [string, string] },
    limit: number,
  ): Promise<RetentionRunEntity[]> {
    const qb = this.dataSource.manager
      .createQueryBuilder(RetentionRunEntity, 'r')
      .orderBy('r.created_at', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .take(limit);
    if (filter.status) qb.andWhere('r.status = :status', { status: filter.status });
    if (filter.kind) qb.andWhere('r.kind = :kind', { kind: filter.kind });
    if (filter.after) {
      const [createdAt, id] = filter.after;
      qb.andWhere('(r.created_at, r.id) < (:createdAt::timestamptz, :id::uuid)', { createdAt, id });
    }
    return qb.getMany();
  }

  /** The runs among these that concern listed subjects only (erasure, consent withdrawal). */
  async subjectScoped(runIds: string[]): Promise<Set<string>> {
    if (runIds.length === 0) return new Set();
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM retention_run WHERE id = ANY($1::uuid[]) AND subject_ids IS NOT NULL`,
      [[...new Set(runIds)]],
    );
    return new Set(rows.map((r) => r.id));
  }
}
