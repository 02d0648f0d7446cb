import { Injectable } from '@nestjs/common';
import type { Actor } from '../../policies/principal';
import { SYSTEM_ACTOR } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import type { RetentionRunFinishedEvent } from '../retention/retention-runner.service';
import { RetentionService } from '../retention/retention.service';
import type { ErasureRequestResponseDto, RequestErasureDto } from './dto/erasure.dto';
import type { ErasureRequestEntity } from './entities/erasure-request.entity';
import { ErasureRequestNotFound } from './erasure.errors';
import { ErasureRepository } from './erasure.repository';

/**
 * Art. 17 requests: a subject-level purge across every registered system, carried out by a
 * retention run of kind `erasure` (every purpose ends now except legal obligations; legal
 * holds are honoured and reported with their reason).
 */
@Injectable()
export class ErasureService {
  constructor(
    private readonly repository: ErasureRepository,
    private readonly audit: AuditService,
    private readonly retention: RetentionService,
  ) {}

  async request(subjectId: string, dto: RequestErasureDto, actor: Actor): Promise<ErasureRequestResponseDto> {
    let requestId = '';
    await this.retention.createRun({ dryRun: false }, actor, {
      kind: 'erasure',
      subjectIds: [subjectId],
      onCreated: async (m, run) => {
        const saved = await this.repository.insert(m, {
          subjectId,
          status: 'queued',
          runId: run.id,
          reason: dto.reason ?? null,
          requestedBy: actor,
          requestedAt: new Date(),
          completedAt: null,
        });
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
    const request = await this.repository.findForSubject(subjectId, id);
    if (!request) throw new ErasureRequestNotFound(`No erasure request "${id}" for this subject`);
    return this.view(request);
  }

  async list(subjectId: string): Promise<ErasureRequestResponseDto[]> {
    const requests = await this.repository.listForSubject(subjectId);
    return Promise.all(requests.map((r) => this.view(r)));
  }

  /**
   * Records the outcome of the run carrying a request (once: a request already completed is left
   * as it is), with its audit event in the same transaction. Called by ErasureRunListener.
   */
  async recordRunOutcome(event: RetentionRunFinishedEvent): Promise<void> {
    if (event.kind !== 'erasure') return;
    await this.repository.transaction(async (m) => {
      const request = await this.repository.lockByRun(m, event.runId);
      if (!request || request.completedAt) return;
      request.status = event.status;
      request.completedAt = new Date();
      await this.repository.save(m, request);
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
