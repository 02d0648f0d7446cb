import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../../../config/app-config';
import { JobDispatcher } from '../../../../jobs/job-dispatcher';
import { JobHandlerRegistry } from '../../../../jobs/job-handler-registry';
import { SYSTEM_ACTOR } from '../../../../policies/principal';
import { AuditService } from '../../../audit/audit.service';
import type { RetentionRunDatasetEntity } from '../../entities/retention-run-dataset.entity';
import { RetentionRunRepository } from '../../ledger/retention-run.repository';
import { RunLifecycle } from '../../ledger/run-lifecycle.service';
import { RunDatasetRepository } from '../../ledger/run-dataset.repository';
import { PurgeInputsReader } from '../../purge-inputs.reader';
import { RetentionPlanSource } from '../../retention-plan.source';
import { safeMessage } from '../system-executor';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { webhookBody } from './webhook-payload';

export const RETENTION_WEBHOOK_JOB = 'retention.webhook';
/** How long one webhook delivery attempt may take (the request is aborted after it). */
const WEBHOOK_TIMEOUT_MS = 10_000;

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Durable webhook deliveries (docs/retention.md, "Webhook executor"; ADR 0033): one signed
 * attempt per `retention.webhook` job, the backoff, the re-send of a delivery whose job was lost
 * (fresh token), the callback deadline, and the system's callback.
 */
@Injectable()
export class WebhookDeliveryService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Retention');
  private stopping = false;

  constructor(
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly jobs: JobDispatcher,
    private readonly registry: JobHandlerRegistry,
    private readonly plans: RetentionPlanSource,
    private readonly reader: PurgeInputsReader,
    private readonly runs: RetentionRunRepository,
    private readonly datasets: RunDatasetRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly lifecycle: RunLifecycle,
  ) {}

  onModuleInit(): void {
    this.registry.register<{ runDatasetId: string; token: string }>(RETENTION_WEBHOOK_JOB, (data) =>
      this.deliver(data.runDatasetId, data.token),
    );
  }

  onModuleDestroy(): void {
    this.stopping = true;
  }

  /**
   * One-time callback token: only its hash is stored; the token travels in the job. The state is
   * durable before the job is queued: should the job be lost (in-process restart, Redis lost),
   * the sweep re-sends the delivery, with a fresh token, once webhook_redeliver_at has passed.
   */
  async start(rd: RetentionRunDatasetEntity): Promise<void> {
    const token = randomBytes(32).toString('base64url');
    await this.datasets.transition({ id: rd.id }, 'awaitCallback', {
      callbackTokenHash: tokenHash(token),
      started: 'now',
      webhookAttempts: 0,
      webhookDelivered: null,
      webhookRedeliverInMs: this.redeliveryGraceMs(),
    });
    await this.queueDelivery(rd.id, token, 0);
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
  async sweep(): Promise<void> {
    const deadlineMs = this.config.RETENTION_CALLBACK_DEADLINE_MS;
    for (const d of await this.deliveries.expired(deadlineMs)) {
      if (this.stopping) return;
      const why = d.delivered_at
        ? `the webhook was delivered at ${new Date(d.delivered_at).toISOString()} and no callback came; what the system purged is unknown`
        : d.attempts === 0 && d.redeliver_at === null
          ? // Started before deliveries were recorded (migration 1795400730000): nothing is known.
            'the delivery state is unknown (started before deliveries were recorded) and no callback came'
          : `the webhook was never acknowledged (${d.attempts} delivery attempt(s))`;
      const failed = await this.datasets.transition(
        { id: d.id },
        'fail',
        {
          error: `callback deadline passed: the system did not confirm its purge within ${durationText(deadlineMs)} (RETENTION_CALLBACK_DEADLINE_MS); ${why}`,
          addErrors: 1,
          callbackTokenHash: null,
          webhookRedeliverInMs: null,
        },
        { onlyFrom: ['waiting'] },
      );
      if (failed.length === 0) continue;
      this.logger.warn({ runId: d.run_id, runDatasetId: d.id }, 'Webhook callback deadline passed');
      await this.lifecycle.finishIfDone(d.run_id);
    }
    for (const id of await this.deliveries.lost()) {
      if (this.stopping) return;
      await this.redeliver(id);
    }
  }

  /** Re-sends a delivery whose job was lost, with a fresh token (the previous one stops working). */
  private async redeliver(runDatasetId: string): Promise<void> {
    const token = randomBytes(32).toString('base64url');
    const attempts = await this.deliveries.reissue(
      runDatasetId,
      tokenHash(token),
      this.redeliveryGraceMs(),
      this.config.RETENTION_WEBHOOK_ATTEMPTS,
    );
    if (attempts === null) return;
    this.logger.warn(
      { runDatasetId, attempts },
      'Webhook delivery not acknowledged and its job is gone; re-sent with a fresh token',
    );
    await this.queueDelivery(runDatasetId, token, attempts);
  }

  /**
   * The `retention.webhook` job: one signed delivery attempt. A failed attempt queues the next one
   * after the backoff (RETENTION_WEBHOOK_BACKOFF_MS, doubled each time) until
   * RETENTION_WEBHOOK_ATTEMPTS attempts (counted in PostgreSQL, across re-deliveries) have failed.
   */
  async deliver(runDatasetId: string, token: string): Promise<void> {
    const hash = tokenHash(token);
    // Claims one attempt, fenced by the token: a delivery superseded by a re-send (fresh token),
    // acknowledged, confirmed or ended does nothing. While the attempt is in flight the sweep
    // leaves the dataset alone (the request's timeout, then the grace).
    const attempt = await this.deliveries.claimAttempt(
      runDatasetId,
      hash,
      WEBHOOK_TIMEOUT_MS + this.redeliveryGraceMs(),
    );
    if (attempt === null) return;
    const rd = await this.datasets.find(runDatasetId);
    const run = await this.runs.findOrFail(rd.runId);
    const [plan] = await this.plans.getRetentionPlan({ datasetId: rd.datasetId });
    if (!plan?.system.webhookUrl || !plan.system.webhookSecret) {
      await this.datasets.fail(rd.id, 'the system has no webhook URL or secret any more', hash);
      return this.lifecycle.finishIfDone(run.id);
    }
    const rule = await this.reader.rule(run, plan);
    const { inputs, exemptions } = await this.reader.forRun(run, rule);
    if (inputs.wholeDatasetHeld) {
      // LEGAL HOLD, webhook: a hold over the whole dataset: nothing is sent, nothing purged.
      await this.datasets.transition(
        { id: rd.id, tokenHash: hash },
        'complete',
        { exemptions, callbackTokenHash: null, webhookRedeliverInMs: null },
        { onlyFrom: ['waiting'] },
      );
      return this.lifecycle.finishIfDone(run.id);
    }
    const callbackPath = `/retention/callbacks/${token}`;
    const body = webhookBody({
      runId: run.id,
      deliveryId: rd.id,
      attempt,
      dryRun: run.dryRun,
      plan,
      rule,
      inputs,
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
    });
    const failure = await this.post(plan.system.webhookUrl, plan.system.webhookSecret, rd.id, body);
    if (failure) {
      if (attempt >= this.config.RETENTION_WEBHOOK_ATTEMPTS) {
        await this.datasets.fail(rd.id, `webhook not delivered after ${attempt} attempts: ${failure}`, hash);
        await this.lifecycle.finishIfDone(run.id);
        return;
      }
      // The next attempt after the backoff; should its job be lost, the sweep re-sends it a grace
      // period after it was due.
      const waitMs = this.config.RETENTION_WEBHOOK_BACKOFF_MS * 2 ** (attempt - 1);
      const next = await this.deliveries.scheduleRetry(rd.id, hash, waitMs + this.redeliveryGraceMs());
      this.logger.warn({ runDatasetId: rd.id, attempt, failure }, 'Webhook delivery attempt failed');
      if (next) await this.queueDelivery(rd.id, token, attempt, waitMs);
      return;
    }
    if (!(await this.deliveries.acknowledge(rd.id, hash, exemptions))) return; // superseded or confirmed meanwhile
    await this.audit.append({
      type: 'retention.webhook.delivered',
      actor: SYSTEM_ACTOR,
      target: { type: 'retention_run', id: run.id },
      payload: { runId: run.id, system: rd.systemCode, datasetId: rd.datasetId, attempt },
    });
  }

  /** One signed POST; the failure in words, or null when the system answered 2xx. */
  private async post(url: string, secret: string, deliveryId: string, body: string): Promise<string | null> {
    const signature = createHmac('sha256', secret).update(body, 'utf8').digest('hex');
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-finalite-signature': `sha256=${signature}`,
          'x-finalite-delivery': deliveryId,
        },
        body,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      return response.ok ? null : `the system answered HTTP ${response.status}`;
    } catch (err) {
      return `the system is unreachable: ${safeMessage(err)}`;
    }
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
    const rd = await this.runs.transaction(async (m) => {
      const failed = report.status === 'failed';
      const [id] = await this.datasets.transition(
        { tokenHash: tokenHash(token) },
        failed ? 'fail' : 'complete',
        {
          rowsDeleted: report.deleted,
          rowsAnonymised: report.anonymised,
          addRowsHeld: report.held ?? 0,
          addErrors: failed ? 1 : 0,
          error: failed ? (report.message ?? 'the system reported a failure') : null,
          webhookDelivered: 'now',
          webhookRedeliverInMs: null,
        },
        { m, onlyFrom: ['waiting'] },
      );
      if (!id) return null;
      const updated = await this.datasets.find(id, m);
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
    if (rd) await this.lifecycle.finishIfDone(rd.runId);
    return rd;
  }
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
