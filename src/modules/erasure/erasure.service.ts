import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { inTransaction } from '../../database/transaction';
import type { Actor } from '../../policies/principal';
import { SYSTEM_ACTOR } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import {
  RETENTION_RUN_FINISHED_EVENT,
  type RetentionRunFinishedEvent,
} from '../retention/retention-runner.service';
import { RetentionService } from '../retention/retention.service';
import type { ErasureRequestResponseDto, RequestErasureDto } from './dto/erasure.dto';
import { ErasureRequestEntity } from './entities/erasure-request.entity';
import { ErasureRequestNotFound } from './erasure.errors';

/**
 * Art. 17 requests: a subject-level purge across every registered system, carried out by a
 * retention run of kind `erasure` (every purpose ends now except legal obligations; legal
 * holds are honoured and reported with their reason).
 */
@Injectable()
export class ErasureService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly retention: RetentionService,
  ) {}

  async request(subjectId: string, dto: RequestErasureDto, actor: Actor): Promise<ErasureRequestResponseDto> {
    let requestId = '';
    await this.retention.createRun({ dryRun: false }, actor, {
      kind: 'erasure',
      subjectIds: [subjectId],
      onCreated: async (m, run) => {
        const saved = await m.save(
          m.create(ErasureRequestEntity, {
            subjectId,
            status: 'queued',
            runId: run.id,
            reason: dto.reason ?? null,
            requestedBy: actor,
            requestedAt: new Date(),
            completedAt: null,
          }),
        );
        requestId = saved.id;
        await this.audit.recordInTransaction(m, {
          type: 'erasure.requested',
          actor,
          target: { type: 'erasure_request', id: saved.id },
          subjectId,
          payload: { runId: run.id, reason: dto.reason ?? null },
        });
      },
    });
    return this.get(subjectId, requestId);
  }

  async get(subjectId: string, id: string): Promise<ErasureRequestResponseDto> {
    const request = await this.dataSource.manager.findOneBy(ErasureRequestEntity, { id, subjectId });
    if (!request) throw new ErasureRequestNotFound(`No erasure request "${id}" for this subject`);
    return this.view(request);
  }

  async list(subjectId: string): Promise<ErasureRequestResponseDto[]> {
    const requests = await this.dataSource.manager.find(ErasureRequestEntity, {
      where: { subjectId },
      order: { requestedAt: 'DESC', id: 'ASC' },
      take: 100,
    });
    return Promise.all(requests.map((r) => this.view(r)));
  }

  /** Records the outcome in the trail when the run carrying a request finishes. */
  @OnEvent(RETENTION_RUN_FINISHED_EVENT, { async: true, suppressErrors: true })
  async onRunFinished(event: RetentionRunFinishedEvent): Promise<void> {
    if (event.kind !== 'erasure') return;
    await inTransaction(this.dataSource, async (m) => {
      const request = await m.findOne(ErasureRequestEntity, {
        where: { runId: event.runId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!request || request.completedAt) return;
      request.status = event.status;
      request.completedAt = new Date();
      await m.save(request);
      const run = await this.retention.get(event.runId);
      await this.audit.recordInTransaction(m, {
        type: 'erasure.completed',
        actor: SYSTEM_ACTOR,
        target: { type: 'erasure_request', id: request.id },
        subjectId: request.subjectId,
        payload: {
          runId: event.runId,
          status: event.status,
          datasets: run.datasets.map((d) => ({
            system: d.system,
            dataset: d.dataset,
            status: d.status,
            deleted: d.deleted,
            anonymised: d.anonymised,
            held: d.held,
            exemptions: d.exemptions.map((e) => ({
              kind: e.kind,
              reason: e.reason,
              purposeCode: e.purposeCode,
            })),
          })),
        },
      });
    });
  }

  private async view(request: ErasureRequestEntity): Promise<ErasureRequestResponseDto> {
    const run = await this.retention.get(request.runId);
    return {
      id: request.id,
      subjectId: request.subjectId,
      status: run.status,
      runId: request.runId,
      reason: request.reason,
      requestedBy: request.requestedBy,
      requestedAt: request.requestedAt,
      completedAt: run.finishedAt,
      datasets: run.datasets,
    };
  }
}
