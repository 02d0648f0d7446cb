import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../../common/pagination/cursor';
import { AppConfig } from '../../config/app-config';
import { inTransaction } from '../../database/transaction';
import { Actor, SYSTEM_ACTOR } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import { CONSENT_WITHDRAWN_EVENT, ConsentWithdrawnEvent } from '../consents/consent.model';
import { ConsentsService } from '../consents/consents.service';
import type { RetentionDatasetPlan } from '../inventory/inventory.types';
import { LegalHoldsService } from '../legal-holds/legal-holds.service';
import { PurposesService } from '../purposes/purposes.service';
import type {
  CompleteManualTaskDto,
  ListManualTasksQueryDto,
  ManualTaskResponseDto,
  WebhookCallbackDto,
} from './dto/executor-callbacks.dto';
import type {
  CreateRetentionRunDto,
  DatasetRuleDto,
  ListRetentionRunsQueryDto,
  OverdueDatasetDto,
  OverdueResponseDto,
  RetentionRunDatasetDto,
  RetentionRunPageDto,
  RetentionRunResponseDto,
} from './dto/retention-run.dto';
import { ManualTaskEntity } from './entities/manual-task.entity';
import { RetentionRunDatasetEntity } from './entities/retention-run-dataset.entity';
import { RetentionRunEntity, RetentionRunKind } from './entities/retention-run.entity';
import { PostgresExecutor } from './executors/postgres-executor';
import { buildOverdueCount, executionProblems } from './executors/purge-sql';
import { retentionHashKey } from './retention-hash-key';
import { RetentionPlanSource } from './retention-plan.source';
import { readHoldInputs } from './hold-inputs';
import { buildDatasetRule, describeFieldRule, PurposeFacts } from './retention-rule';
import { RetentionRunner } from './retention-runner.service';
import {
  ManualTaskClosed,
  ManualTaskNotFound,
  RetentionCallbackUnknown,
  RetentionRunFinished,
  RetentionRunInProgress,
  RetentionRunNotFound,
  RetentionTargetNotFound,
} from './retention.errors';

export interface CreateRunOptions {
  kind?: RetentionRunKind;
  subjectIds?: string[];
  purposeCodes?: string[];
  scheduleKey?: string;
  /** Runs in the creating transaction (an erasure request records itself with its run). */
  onCreated?: (m: EntityManager, run: RetentionRunEntity) => Promise<void>;
}

/** What the reports read: per system/dataset volumes of the runs in a period, and failures. */
export interface RetentionSummary {
  runs: number;
  failedRuns: number;
  rows: {
    systemCode: string;
    datasetId: string;
    datasetName: string;
    deleted: number;
    anonymised: number;
    held: number;
    errors: number;
  }[];
  failures: {
    runId: string;
    systemCode: string | null;
    datasetId: string | null;
    datasetName: string | null;
    message: string;
  }[];
}

const CREATE_LOCK = 0x52_45_54_4e; // "RETN": serialises run creation (the in-progress check)
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Retention runs as the API and other modules see them; execution is RetentionRunner's. */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger('Retention');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly plans: RetentionPlanSource,
    private readonly purposes: PurposesService,
    private readonly consents: ConsentsService,
    private readonly holds: LegalHoldsService,
    private readonly postgres: PostgresExecutor,
    private readonly runner: RetentionRunner,
  ) {}

  async createRun(
    dto: CreateRetentionRunDto,
    actor: Actor,
    options: CreateRunOptions = {},
  ): Promise<RetentionRunResponseDto | null> {
    const kind = options.kind ?? 'on_demand';
    let plans = await this.targetPlans(dto);
    if (options.purposeCodes) {
      const wanted = new Set(options.purposeCodes);
      plans = plans.filter((p) => p.fields.some((f) => f.bindings.some((b) => wanted.has(b.purposeCode))));
    }
    if (plans.length === 0 && (kind === 'consent_withdrawal' || kind === 'scheduled')) return null;
    const outcome = await inTransaction(this.dataSource, async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [CREATE_LOCK]);
      // One purge per dataset: only the datasets this run targets are checked. A run over a
      // system or over every system leaves a busy dataset (a purge running, a manual task or a
      // webhook callback still open) out and purges the others; the ones left out are audited.
      // Naming the dataset, or finding every targeted dataset busy, is a 409 (a scheduled run
      // is then recorded as skipped: `retention.run.skipped`).
      let skipped: { datasetId: string; dataset: string; runId: string }[] = [];
      if (!dto.dryRun && (kind === 'on_demand' || kind === 'scheduled')) {
        const busy = await m.query<{ dataset_id: string; dataset_name: string; run_id: string }[]>(
          `SELECT rd.dataset_id, rd.dataset_name, rd.run_id FROM retention_run_dataset rd
             JOIN retention_run r ON r.id = rd.run_id
            WHERE rd.dataset_id = ANY($1::text[]) AND rd.status IN ('pending', 'running', 'waiting')
              AND NOT rd.dry_run AND r.kind IN ('on_demand', 'scheduled')
            ORDER BY rd.dataset_name, rd.dataset_id`,
          [plans.map((p) => p.dataset.id)],
        );
        skipped = busy.map((b) => ({ datasetId: b.dataset_id, dataset: b.dataset_name, runId: b.run_id }));
        const busyIds = new Set(busy.map((b) => b.dataset_id));
        const free = plans.filter((p) => !busyIds.has(p.dataset.id));
        if (busy.length && (dto.dataset || free.length === 0)) {
          const message = `A purge is already in progress for ${[...new Set(busy.map((b) => b.dataset_name))].join(', ')}`;
          if (kind === 'scheduled') {
            await this.audit.recordInTransaction(m, {
              type: 'retention.run.skipped',
              actor,
              target: { type: 'retention_schedule', id: options.scheduleKey ?? dto.system ?? 'all' },
              payload: {
                kind,
                system: dto.system ?? null,
                scheduleKey: options.scheduleKey ?? null,
                reason: message,
                busy: skipped,
              },
            });
            return { skipped: message };
          }
          throw new RetentionRunInProgress(message, skipped);
        }
        plans = free;
      }
      const created = await m.save(
        m.create(RetentionRunEntity, {
          kind,
          status: 'queued',
          dryRun: dto.dryRun,
          systemCode: dto.system ?? null,
          datasetId: dto.dataset ? (plans[0]?.dataset.id ?? null) : null,
          subjectIds: options.subjectIds ?? null,
          purposeCodes: options.purposeCodes ?? null,
          scheduleKey: options.scheduleKey ?? null,
          cancelRequested: false,
          requestedBy: actor,
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
            dryRun: dto.dryRun,
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
      await this.audit.recordInTransaction(m, {
        type: 'retention.run.requested',
        actor,
        target: { type: 'retention_run', id: created.id },
        subjectId: options.subjectIds?.length === 1 ? options.subjectIds[0] : undefined,
        payload: {
          kind,
          dryRun: dto.dryRun,
          system: dto.system ?? null,
          datasets: plans.map((p) => ({
            system: p.system.code,
            datasetId: p.dataset.id,
            dataset: p.dataset.name,
          })),
          purposeCodes: options.purposeCodes ?? null,
          subjects: options.subjectIds?.length ?? null,
          ...(skipped.length ? { skipped } : {}),
        },
      });
      await options.onCreated?.(m, created);
      if (skipped.length) {
        this.logger.warn(
          { runId: created.id, kind, skipped: skipped.map((b) => b.dataset) },
          'Busy datasets left out of the retention run',
        );
      }
      return { run: created };
    });
    if ('skipped' in outcome) {
      this.logger.warn(
        { system: dto.system ?? null, scheduleKey: options.scheduleKey ?? null, reason: outcome.skipped },
        'Scheduled retention run skipped',
      );
      return null;
    }
    const { run } = outcome;
    if (plans.length === 0) await this.runner.finishIfDone(run.id, actor);
    else await this.runner.dispatch(run.id);
    return this.get(run.id);
  }

  private async targetPlans(dto: { system?: string; dataset?: string }): Promise<RetentionDatasetPlan[]> {
    const byId = dto.dataset && UUID.test(dto.dataset) ? dto.dataset : undefined;
    let plans = await this.plans.getRetentionPlan({ systemCode: dto.system, datasetId: byId });
    if (dto.dataset && !byId) plans = plans.filter((p) => p.dataset.name === dto.dataset);
    if ((dto.system || dto.dataset) && plans.length === 0) {
      throw new RetentionTargetNotFound(
        `No registered dataset matches ${[dto.system && `system "${dto.system}"`, dto.dataset && `dataset "${dto.dataset}"`].filter(Boolean).join(' and ')}`,
      );
    }
    if (dto.dataset && !byId && new Set(plans.map((p) => p.system.code)).size > 1) {
      throw new RetentionTargetNotFound(
        `Dataset "${dto.dataset}" exists in several systems: name the system`,
      );
    }
    return plans;
  }

  async get(id: string): Promise<RetentionRunResponseDto> {
    const run = await this.dataSource.manager.findOneBy(RetentionRunEntity, { id });
    if (!run) throw new RetentionRunNotFound(`No retention run with id "${id}"`);
    return toRunView(run, await this.runner.datasetsOf([id]));
  }

  async list(query: ListRetentionRunsQueryDto): Promise<RetentionRunPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const qb = this.dataSource.manager
      .createQueryBuilder(RetentionRunEntity, 'r')
      .orderBy('r.created_at', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .take(limit + 1);
    if (query.status) qb.andWhere('r.status = :status', { status: query.status });
    if (query.kind) qb.andWhere('r.kind = :kind', { kind: query.kind });
    if (query.cursor) {
      const [createdAt, id] = decodeCursor<[string, string]>(query.cursor, 2);
      qb.andWhere('(r.created_at, r.id) < (:createdAt::timestamptz, :id::uuid)', { createdAt, id });
    }
    const runs = await qb.getMany();
    const page = runs.slice(0, limit);
    const datasets = await this.runner.datasetsOf(page.map((r) => r.id));
    const last = page[page.length - 1];
    return {
      items: page.map((r) =>
        toRunView(
          r,
          datasets.filter((d) => d.runId === r.id),
        ),
      ),
      nextCursor: runs.length > limit ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
    };
  }

  async cancel(id: string, actor: Actor): Promise<RetentionRunResponseDto> {
    const status = await inTransaction(this.dataSource, async (m) => {
      const run = await m.findOne(RetentionRunEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!run) throw new RetentionRunNotFound(`No retention run with id "${id}"`);
      if (['completed', 'failed', 'cancelled'].includes(run.status)) {
        throw new RetentionRunFinished(`Run "${id}" is already ${run.status}`);
      }
      await m.update(RetentionRunEntity, { id }, { cancelRequested: true });
      return run.status;
    });
    // A running run stops at its next batch boundary; a queued or waiting one stops now.
    if (status !== 'running') await this.runner.cancelRemaining(id, actor);
    return this.get(id);
  }

  // ---- executors' callbacks -----------------------------------------------------------------

  async acceptCallback(token: string, dto: WebhookCallbackDto): Promise<void> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token) || !(await this.runner.acceptCallback(token, dto))) {
      throw new RetentionCallbackUnknown('Unknown or already used callback token');
    }
  }

  async listTasks(query: ListManualTasksQueryDto): Promise<ManualTaskResponseDto[]> {
    const status = query.status ?? 'open';
    const tasks = await this.dataSource.manager.find(ManualTaskEntity, {
      where: status === 'all' ? {} : { status },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: 500,
    });
    const scoped = await this.subjectScopedRuns(tasks.map((t) => t.runId));
    return tasks.map((t) => toTaskView(t, scoped.has(t.runId)));
  }

  /** The runs among these that concern listed subjects only (erasure, consent withdrawal). */
  private async subjectScopedRuns(runIds: string[]): Promise<Set<string>> {
    if (runIds.length === 0) return new Set();
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM retention_run WHERE id = ANY($1::uuid[]) AND subject_ids IS NOT NULL`,
      [[...new Set(runIds)]],
    );
    return new Set(rows.map((r) => r.id));
  }

  async completeTask(id: string, dto: CompleteManualTaskDto, actor: Actor): Promise<ManualTaskResponseDto> {
    const task = await this.dataSource.manager.findOneBy(ManualTaskEntity, { id });
    if (!task) throw new ManualTaskNotFound(`No manual task with id "${id}"`);
    if (task.status !== 'open') throw new ManualTaskClosed(`Task "${id}" is already ${task.status}`);
    await this.runner.completeManualTask(task, dto, actor);
    const scoped = await this.subjectScopedRuns([task.runId]);
    return toTaskView(
      await this.dataSource.manager.findOneByOrFail(ManualTaskEntity, { id }),
      scoped.has(task.runId),
    );
  }

  // ---- views for the register and the reports -----------------------------------------------

  /** The effective rule of every field, in plain words, per dataset. */
  async describeRules(filter: { system?: string } = {}): Promise<DatasetRuleDto[]> {
    const purposes = await this.purposeFacts();
    const plans = await this.plans.getRetentionPlan({ systemCode: filter.system });
    return plans.map((plan) => {
      const rule = buildDatasetRule(plan, purposes);
      return {
        system: plan.system.code,
        datasetId: plan.dataset.id,
        dataset: plan.dataset.name,
        fields: rule.fields.map((f) => ({
          key: f.key,
          column: f.column,
          state: f.state,
          anonymisation: f.anonymisation,
          rule: describeFieldRule(f),
        })),
      };
    });
  }

  /** What is due now per dataset and how long overdue (one read-only scan per postgres dataset). */
  async overdue(): Promise<OverdueResponseDto> {
    const purposes = await this.purposeFacts();
    const hashKey = retentionHashKey(this.config);
    const items: OverdueDatasetDto[] = [];
    for (const plan of await this.plans.getRetentionPlan()) {
      const base = {
        system: plan.system.code,
        datasetId: plan.dataset.id,
        dataset: plan.dataset.name,
        executor: plan.system.kind,
        dueRows: null,
        heldRows: null,
        undatedRows: null,
        oldestDueSince: null,
        overdueDays: null,
        error: null,
      };
      if ((plan.system.kind as string) !== 'postgres' || !plan.system.connectionString) {
        items.push({ ...base, measurable: false });
        continue;
      }
      try {
        const rule = buildDatasetRule(plan, purposes);
        const pool = this.postgres.pool(plan.system.connectionString);
        const table = await this.postgres.inspect(pool, rule.schema, rule.table);
        const problems = executionProblems(rule, table);
        if (problems.length) {
          items.push({ ...base, measurable: true, error: `refused: ${problems.join('; ')}` });
          continue;
        }
        const holds = await readHoldInputs(this.holds, rule, null, true);
        const withdrawals = new Map<string, { subjectId: string; withdrawnAt: Date }[]>();
        if (rule.subjectColumn && rule.withdrawalPurposes.length) {
          for (const w of await this.consents.findWithdrawals(rule.withdrawalPurposes)) {
            withdrawals.set(w.purposeCode, [...(withdrawals.get(w.purposeCode) ?? []), w]);
          }
        }
        const now = new Date();
        const [row] = await this.postgres.query<{
          due: string;
          held: string;
          undated: string;
          oldest_due_since: Date | null;
        }>(
          pool,
          buildOverdueCount(rule, table!, {
            withdrawals,
            wholeDatasetHeld: holds.wholeDatasetHeld,
            heldSubjects: holds.heldSubjects,
            subjectFilter: null,
            hashKey,
            batchSize: 1,
            now,
          }),
          {
            lockTimeoutMs: this.config.RETENTION_LOCK_TIMEOUT_MS,
            statementTimeoutMs: this.config.RETENTION_STATEMENT_TIMEOUT_MS,
          },
        );
        const since = row.oldest_due_since ? new Date(row.oldest_due_since) : null;
        items.push({
          ...base,
          measurable: true,
          dueRows: Number(row.due),
          heldRows: Number(row.held),
          undatedRows: Number(row.undated),
          oldestDueSince: since,
          overdueDays: since ? Math.max(0, Math.floor((now.getTime() - since.getTime()) / 86_400_000)) : null,
        });
      } catch (err) {
        items.push({
          ...base,
          measurable: true,
          error: `not measured: ${(err as Error).message.slice(0, 300)}`,
        });
      }
    }
    return { computedAt: new Date(), items };
  }

  /**
   * Runs created in [from, to), aggregated in SQL (one join, GROUP BY: flat in memory and one
   * parameter pair whatever the number of runs). `runs` counts every run of the period, dry runs
   * included; the volumes, `failedRuns` and the `failures` list are purges only: a dry run changes
   * nothing, so neither its counts nor its failures are retention outcomes.
   */
  async summarise(from: Date, to: Date): Promise<RetentionSummary> {
    const [counts] = await this.dataSource.query<{ runs: number; failed_runs: number }[]>(
      `SELECT count(*)::int AS runs,
              count(*) FILTER (WHERE r.status = 'failed' AND NOT r.dry_run)::int AS failed_runs
         FROM retention_run r
        WHERE r.created_at >= $1 AND r.created_at < $2`,
      [from, to],
    );
    const volumes = await this.dataSource.query<
      {
        system_code: string;
        dataset_id: string;
        dataset_name: string;
        deleted: string;
        anonymised: string;
        held: string;
        errors: string;
      }[]
    >(
      `SELECT rd.dataset_id,
              (array_agg(rd.system_code ORDER BY r.created_at DESC, r.id DESC))[1] AS system_code,
              (array_agg(rd.dataset_name ORDER BY r.created_at DESC, r.id DESC))[1] AS dataset_name,
              sum(rd.rows_deleted)::text AS deleted, sum(rd.rows_anonymised)::text AS anonymised,
              sum(rd.rows_held)::text AS held, sum(rd.errors)::text AS errors
         FROM retention_run r
         JOIN retention_run_dataset rd ON rd.run_id = r.id
        WHERE r.created_at >= $1 AND r.created_at < $2 AND NOT r.dry_run
        GROUP BY rd.dataset_id`,
      [from, to],
    );
    const failures = await this.dataSource.query<
      {
        run_id: string;
        system_code: string;
        dataset_id: string;
        dataset_name: string;
        error: string | null;
      }[]
    >(
      `SELECT rd.run_id, rd.system_code, rd.dataset_id, rd.dataset_name, rd.error
         FROM retention_run r
         JOIN retention_run_dataset rd ON rd.run_id = r.id
        WHERE r.created_at >= $1 AND r.created_at < $2 AND NOT r.dry_run AND rd.status = 'failed'
        ORDER BY r.created_at, r.id, rd.position`,
      [from, to],
    );
    return {
      runs: counts.runs,
      failedRuns: counts.failed_runs,
      rows: volumes
        .map((v) => ({
          systemCode: v.system_code,
          datasetId: v.dataset_id,
          datasetName: v.dataset_name,
          deleted: Number(v.deleted),
          anonymised: Number(v.anonymised),
          held: Number(v.held),
          errors: Number(v.errors),
        }))
        .sort((a, b) => `${a.systemCode}/${a.datasetName}`.localeCompare(`${b.systemCode}/${b.datasetName}`)),
      failures: failures.map((f) => ({
        runId: f.run_id,
        systemCode: f.system_code,
        datasetId: f.dataset_id,
        datasetName: f.dataset_name,
        message: f.error ?? 'failed',
      })),
    };
  }

  /** Consent withdrawal queues a subject-level purge for the purposes concerned. */
  @OnEvent(CONSENT_WITHDRAWN_EVENT, { async: true, suppressErrors: true })
  async onConsentWithdrawn(event: ConsentWithdrawnEvent): Promise<void> {
    try {
      await this.createRun({ dryRun: false }, SYSTEM_ACTOR, {
        kind: 'consent_withdrawal',
        subjectIds: [event.subjectId],
        purposeCodes: [event.purposeCode],
      });
    } catch (err) {
      this.logger.error(
        { err, purposeCode: event.purposeCode },
        'Could not queue the purge after a consent withdrawal',
      );
    }
  }

  private async purposeFacts(): Promise<Map<string, PurposeFacts>> {
    return new Map((await this.purposes.listAll()).map((p) => [p.code, p]));
  }
}

function toDatasetView(d: RetentionRunDatasetEntity): RetentionRunDatasetDto {
  return {
    system: d.systemCode,
    datasetId: d.datasetId,
    dataset: d.datasetName,
    executor: d.executor,
    status: d.status,
    batches: d.batches,
    scanned: d.rowsScanned,
    deleted: d.rowsDeleted,
    anonymised: d.rowsAnonymised,
    held: d.rowsHeld,
    undated: d.rowsUndated,
    errors: d.errors,
    sampleKeys: d.sampleKeys,
    exemptions: d.exemptions,
    error: d.error,
    startedAt: d.startedAt,
    finishedAt: d.finishedAt,
  };
}

export function toRunView(
  run: RetentionRunEntity,
  datasets: RetentionRunDatasetEntity[],
): RetentionRunResponseDto {
  const views = datasets.map(toDatasetView);
  const sum = (k: 'scanned' | 'deleted' | 'anonymised' | 'held' | 'undated' | 'errors') =>
    views.reduce((n, d) => n + d[k], 0);
  return {
    id: run.id,
    kind: run.kind,
    status: run.status,
    dryRun: run.dryRun,
    system: run.systemCode,
    datasetId: run.datasetId,
    cancelRequested: run.cancelRequested,
    requestedBy: run.requestedBy,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    error: run.error,
    totals: {
      scanned: sum('scanned'),
      deleted: sum('deleted'),
      anonymised: sum('anonymised'),
      held: sum('held'),
      undated: sum('undated'),
      errors: sum('errors'),
    },
    datasets: views,
  };
}

/** `subjectScoped`: the task's run concerns listed subjects only (see ManualTaskEntity.subjectIds). */
function toTaskView(t: ManualTaskEntity, subjectScoped: boolean): ManualTaskResponseDto {
  return {
    id: t.id,
    runId: t.runId,
    system: t.systemCode,
    dataset: t.datasetName,
    instructions: t.instructions,
    subjectIds: subjectScoped ? t.subjectIds : null,
    excludeSubjectIds: subjectScoped ? [] : (t.subjectIds ?? []),
    status: t.status,
    deleted: t.rowsDeleted,
    anonymised: t.rowsAnonymised,
    note: t.note,
    completedBy: t.completedBy,
    completedAt: t.completedAt,
    createdAt: t.createdAt,
  };
}
