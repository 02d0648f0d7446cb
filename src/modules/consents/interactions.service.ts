import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { currentRequestId } from '../../common/request-context';
import { inTransaction } from '../../database/transaction';
import type { Actor } from '../../policies/principal';
import type { AuditEventInput } from '../audit/audit-event.types';
import { AuditService } from '../audit/audit.service';
import { CLOCK_SKEW_MS } from './consent.model';
import { InteractionTimestampInFuture } from './consents.errors';
import type {
  ImportInteractionRowDto,
  InteractionImportResultDto,
  InteractionRecordDto,
  RecordInteractionDto,
} from './dto/interaction.dto';
import type { SubjectInteractionEntity } from './entities/subject-interaction.entity';
import type { LatestContacts } from './interaction.model';
import { InteractionsRepository } from './interactions.repository';

const WRITE_BATCH = 500;

/**
 * Contacts coming from subjects (issue 15, ADR 0051). Each is kept with who recorded it and an
 * audit event in the same transaction; retention reads the latest one per subject to restart
 * `last_interaction` clocks (the subject id in the trail is a keyed hash, as for consents).
 */
@Injectable()
export class InteractionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: InteractionsRepository,
    private readonly audit: AuditService,
  ) {}

  async record(subjectId: string, dto: RecordInteractionDto, actor: Actor): Promise<InteractionRecordDto> {
    const [saved] = await this.write([{ ...dto, subjectId }], actor, null);
    return toDto(saved);
  }

  /** All or nothing: every row is checked before any is written. */
  async import(rows: ImportInteractionRowDto[], actor: Actor): Promise<InteractionImportResultDto> {
    const importId = randomUUID();
    const saved = await this.write(rows, actor, importId);
    return { importId, imported: saved.length };
  }

  /**
   * For retention: the latest interaction of each subject and the latest consent grant for each
   * of `grantPurposes`, later than `since` (`subjectIds` null: every subject).
   */
  latestContacts(grantPurposes: string[], since: Date, subjectIds: string[] | null): Promise<LatestContacts> {
    if (subjectIds && subjectIds.length === 0) {
      return Promise.resolve({ interactions: new Map(), grants: new Map() });
    }
    return this.repository.latestContacts(grantPurposes, since, subjectIds);
  }

  private async write(
    rows: (RecordInteractionDto & { subjectId: string })[],
    actor: Actor,
    importId: string | null,
  ): Promise<SubjectInteractionEntity[]> {
    const now = new Date();
    rows.forEach((r, i) => {
      if (r.occurredAt && new Date(r.occurredAt).getTime() > now.getTime() + CLOCK_SKEW_MS) {
        throw new InteractionTimestampInFuture(
          importId ? `interactions[${i}].occurredAt is in the future` : 'occurredAt is in the future',
          importId ? { index: i } : undefined,
        );
      }
    });
    const requestId = currentRequestId() ?? null;
    return inTransaction(this.dataSource, async (m) => {
      const saved = await this.repository.insert(
        m,
        rows.map((r) => ({
          subjectId: r.subjectId,
          kind: r.kind,
          source: r.source,
          occurredAt: r.occurredAt ? new Date(r.occurredAt) : now,
          recordedAt: now,
          recordedBy: actor.id,
          importId,
          requestId,
        })),
        WRITE_BATCH,
      );
      const audits = saved.map((s) => auditInput(s, actor));
      for (let i = 0; i < audits.length; i += 1_000) {
        await this.audit.appendBatch(m, audits.slice(i, i + 1_000));
      }
      return saved;
    });
  }
}

function auditInput(s: SubjectInteractionEntity, actor: Actor): AuditEventInput {
  return {
    type: 'subject.interaction_recorded',
    actor,
    subjectId: s.subjectId,
    target: { type: 'subject_interaction', id: s.id },
    payload: {
      kind: s.kind,
      source: s.source,
      occurredAt: s.occurredAt.toISOString(),
      ...(s.importId ? { importId: s.importId } : {}),
    },
  };
}

function toDto(s: SubjectInteractionEntity): InteractionRecordDto {
  return {
    id: s.id,
    subjectId: s.subjectId,
    kind: s.kind,
    source: s.source,
    occurredAt: s.occurredAt,
    recordedAt: s.recordedAt,
  };
}
