import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../../common/pagination/cursor';
import { AppConfig } from '../../config/app-config';
import { Actor, SYSTEM_ACTOR } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import type { RetentionDatasetPlan } from '../inventory/inventory.types';
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
  RetentionRunPageDto,
  RetentionRunResponseDto,
} from './dto/retention-run.dto';
import type { RetentionRunEntity, RetentionRunKind } from './entities/retention-run.entity';
import { overdueDays } from './due-date.rule';
import { ManualSystemExecutor } from './executors/manual/manual.executor';
import { ManualTaskRepository } from './executors/manual/manual-task.repository';
import { MysqlSystemExecutor } from './executors/mysql/mysql.executor';
import { PostgresCustomerDatabase } from './executors/postgres/customer-database';
import { buildOverdueCount } from './executors/postgres/overdue-count-sql';
import { executionProblems } from './executors/postgres/table-check';
import { WebhookDeliveryService } from './executors/webhook/webhook-delivery.service';
import { BusyDataset, RetentionRunRepository } from './ledger/retention-run.repository';
import { RetentionSummary, RetentionSummaryRepository } from './ledger/retention-summary.repository';
import { RunLifecycle } from './ledger/run-lifecycle.service';
import { RunDatasetRepository } from './ledger/run-dataset.repository';
import { toRunView, toTaskView } from './retention.views';
import { PurgeInputsReader } from './purge-inputs.reader';
import { RetentionPlanSource } from './retention-plan.source';
import { orderRunDatasets } from './run-dataset-order';
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

export type { RetentionSummary } from './ledger/retention-summary.repository';

export interface CreateRunOptions {
  kind?: RetentionRunKind;
  subjectIds?: string[];
  purposeCodes?: string[];
  scheduleKey?: string;
  /** Runs in the creating transaction (an erasure request records itself with its run). */
  onCreated?: (m: EntityManager, run: RetentionRunEntity) => Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Retention runs as the API and other modules see them; execution is RetentionRunner's. */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger('Retention');

  constructor(
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly plans: RetentionPlanSource,
    private readonly reader: PurgeInputsReader,
    private readonly postgres: PostgresCustomerDatabase,
    private readonly runner: RetentionRunner,
    private readonly runs: RetentionRunRepository,
    private readonly datasets: RunDatasetRepository,
    private readonly summaries: RetentionSummaryRepository,
    private readonly tasks: ManualTaskRepository,
    private readonly lifecycle: RunLifecycle,
    private readonly webhooks: WebhookDeliveryService,
    private readonly manual: ManualSystemExecutor,
    private readonly mysql: MysqlSystemExecutor,
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
    // Datasets that purge their children first go last in their system (ADR 0051).
    plans = orderRunDatasets(plans);
    const outcome = await this.runs.transaction(async (m) => {
      await this.runs.lockCreation(m);
      // One purge per dataset: only the datasets this run targets are checked. A run over a
      // system or over every system leaves a busy dataset (a purge running, a manual task or a
      // webhook callback still open) out and purges the others; the ones left out are audited.
      // Naming the dataset, or finding every targeted dataset busy, is a 409 (a scheduled run
      // is then recorded as skipped: `retention.run.skipped`).
      let skipped: BusyDataset[] = [];
      if (!dto.dryRun && (kind === 'on_demand' || kind === 'scheduled')) {
        const busy = await this.runs.busyDatasets(
          m,
          plans.map((p) => p.dataset.id),
        );
        skipped = busy;
        const busyIds = new Set(busy.map((b) => b.datasetId));
        const free = plans.filter((p) => !busyIds.has(p.dataset.id));
        if (busy.length && (dto.dataset || free.length === 0)) {
          const message = `A purge is already in progress for ${[...new Set(busy.map((b) => b.dataset))].join(', ')}`;
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
      const created = await this.runs.insert(
        m,
        {
          kind,
          dryRun: dto.dryRun,
          systemCode: dto.system ?? null,
          datasetId: dto.dataset ? (plans[0]?.dataset.id ?? null) : null,
          subjectIds: options.subjectIds ?? null,
          purposeCodes: options.purposeCodes ?? null,
          scheduleKey: options.scheduleKey ?? null,
          requestedBy: actor,
        },
        plans,
      );
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
    if (plans.length === 0) await this.lifecycle.finishIfDone(run.id, actor);
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
    const run = await this.runs.find(id);
    if (!run) throw new RetentionRunNotFound(`No retention run with id "${id}"`);
    return toRunView(run, await this.datasets.ofRuns([id]));
  }

  async list(query: ListRetentionRunsQueryDto): Promise<RetentionRunPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? decodeCursor<[string, string]>(query.cursor, 2) : undefined;
    const runs = await this.runs.page({ status: query.status, kind: query.kind, after }, limit + 1);
    const page = runs.slice(0, limit);
    const datasets = await this.datasets.ofRuns(page.map((r) => r.id));
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
    const status = await this.runs.transaction(async (m) => {
      const run = await this.runs.lockForUpdate(m, id);
      if (!run) throw new RetentionRunNotFound(`No retention run with id "${id}"`);
      if (['completed', 'failed', 'cancelled'].includes(run.status)) {
        throw new RetentionRunFinished(`Run "${id}" is already ${run.status}`);
      }
      await this.runs.requestCancel(m, id);
      return run.status;
    });
    // A running run stops at its next batch boundary; a queued or waiting one stops now.
    if (status !== 'running') await this.lifecycle.cancelRemaining(id, actor);
    return this.get(id);
  }

  // ---- executors' callbacks -----------------------------------------------------------------

  async acceptCallback(token: string, dto: WebhookCallbackDto): Promise<void> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token) || !(await this.webhooks.acceptCallback(token, dto))) {
      throw new RetentionCallbackUnknown('Unknown or already used callback token');
    }
  }

  async listTasks(query: ListManualTasksQueryDto): Promise<ManualTaskResponseDto[]> {
    const status = query.status ?? 'open';
    const tasks = await this.tasks.list(status);
    const scoped = await this.runs.subjectScoped(tasks.map((t) => t.runId));
    return tasks.map((t) => toTaskView(t, scoped.has(t.runId)));
  }

  async completeTask(id: string, dto: CompleteManualTaskDto, actor: Actor): Promise<ManualTaskResponseDto> {
    const task = await this.tasks.find(id);
    if (!task) throw new ManualTaskNotFound(`No manual task with id "${id}"`);
    if (task.status !== 'open') throw new ManualTaskClosed(`Task "${id}" is already ${task.status}`);
    await this.manual.completeTask(task, dto, actor);
    const scoped = await this.runs.subjectScoped([task.runId]);
    return toTaskView((await this.tasks.find(id))!, scoped.has(task.runId));
  }

  // ---- views for the register and the reports -----------------------------------------------

  /** The effective rule of every field, in plain words, per dataset. */
  async describeRules(filter: { system?: string } = {}): Promise<DatasetRuleDto[]> {
    const purposes = await this.reader.purposeFacts();
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

  /** The overdue figures of a mysql dataset (its executor measures them), or why not. */
  private async mysqlOverdue(
    plan: RetentionDatasetPlan,
    purposes: Map<string, PurposeFacts>,
  ): Promise<Partial<OverdueDatasetDto>> {
    try {
      const o = await this.mysql.overdue(plan, purposes);
      if ('error' in o) return { error: o.error };
      return {
        dueRows: o.due,
        heldRows: o.held,
        undatedRows: o.undated,
        oldestDueSince: o.oldestDueSince,
        overdueDays: o.oldestDueSince ? overdueDays(o.oldestDueSince, new Date()) : null,
      };
    } catch (err) {
      return { error: `not measured: ${(err as Error).message.slice(0, 300)}` };
    }
  }

  /** What is due now per dataset and how long overdue (one read-only scan per postgres or mysql dataset). */
  async overdue(): Promise<OverdueResponseDto> {
    const purposes = await this.reader.purposeFacts();
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
      if ((plan.system.kind as string) === 'mysql' && plan.system.connectionString) {
        items.push({ ...base, measurable: true, ...(await this.mysqlOverdue(plan, purposes)) });
        continue;
      }
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
        // LEGAL HOLD, overdue view: held rows are counted apart, never as due.
        const holds = await this.reader.readHolds(rule, null, true);
        const inputs = this.reader.inputs(await this.reader.withdrawals(rule, null), holds, null, 1);
        inputs.recentContacts = await this.reader.recentContacts(rule, null, inputs.now);
        const [row] = await this.postgres.query<{
          due: string;
          held: string;
          undated: string;
          oldest_due_since: Date | null;
        }>(pool, buildOverdueCount(rule, table!, inputs), {
          lockTimeoutMs: this.config.RETENTION_LOCK_TIMEOUT_MS,
          statementTimeoutMs: this.config.RETENTION_STATEMENT_TIMEOUT_MS,
        });
        const since = row.oldest_due_since ? new Date(row.oldest_due_since) : null;
        items.push({
          ...base,
          measurable: true,
          dueRows: Number(row.due),
          heldRows: Number(row.held),
          undatedRows: Number(row.undated),
          oldestDueSince: since,
          overdueDays: since ? overdueDays(since, inputs.now) : null,
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

  /** The retention report's figures for runs created in [from, to) (RetentionSummaryRepository). */
  summarise(from: Date, to: Date): Promise<RetentionSummary> {
    return this.summaries.summarise(from, to);
  }

  /**
   * After a consent withdrawal: a subject-level purge of the datasets bound to that purpose
   * (none bound: no run, null). Called by RetentionConsentListener.
   */
  purgeAfterWithdrawal(subjectId: string, purposeCode: string): Promise<RetentionRunResponseDto | null> {
    return this.createRun({ dryRun: false }, SYSTEM_ACTOR, {
      kind: 'consent_withdrawal',
      subjectIds: [subjectId],
      purposeCodes: [purposeCode],
    });
  }
}
