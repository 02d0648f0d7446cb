import { Injectable } from '@nestjs/common';
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor } from '../../common/pagination/cursor';
import type { AuditEventRow } from './audit-event.mapper';
import { AuditDecisionRepository } from './audit-decision.repository';
import { AuditRangeInvalid } from './audit.errors';
import { AuditService } from './audit.service';
import {
  AccessDecisionRecordDto,
  AccessDecisionRecordPageDto,
  DecisionFieldDto,
  SearchAccessDecisionsQueryDto,
} from './dto/access-decision-search.dto';

/**
 * Searching the access decisions the trail recorded (the console's decisions and subject
 * screens): by application, purpose, field, reason, outcome, subject (hashed here) and time.
 */
@Injectable()
export class AuditDecisionSearchService {
  constructor(
    private readonly repository: AuditDecisionRepository,
    private readonly audit: AuditService,
  ) {}

  async search(query: SearchAccessDecisionsQueryDto): Promise<AccessDecisionRecordPageDto> {
    if (query.from && query.to && new Date(query.from) >= new Date(query.to)) {
      throw new AuditRangeInvalid('from must be before to', { from: query.from, to: query.to });
    }
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.repository.search(
      {
        actorId: query.application,
        purposeCode: query.purpose,
        field: query.field,
        reason: query.reason,
        decision: query.decision,
        subjectRef: query.subjectId !== undefined ? this.audit.subjectRef(query.subjectId) : undefined,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
        beforeSeq: query.cursor ? decodeCursor<[number]>(query.cursor, 1)[0] : undefined,
      },
      limit + 1,
    );
    const items = rows.slice(0, limit).map(toDecisionRecord);
    return {
      items,
      nextCursor: rows.length > limit ? encodeCursor([items[items.length - 1].seq]) : null,
    };
  }
}

function toDecisionRecord(row: AuditEventRow): AccessDecisionRecordDto {
  const payload = row.payload;
  const fields = Array.isArray(payload.fields) ? (payload.fields as DecisionFieldDto[]) : [];
  return {
    seq: Number(row.seq),
    decisionId: row.target_id,
    occurredAt: row.occurred_at.toISOString(),
    application: {
      type: row.actor_type as AccessDecisionRecordDto['application']['type'],
      id: row.actor_id,
      name: row.actor_name,
    },
    purposeCode: row.purpose_code,
    decision: String(payload.decision),
    action: String(payload.action),
    fields: fields.map((f) => ({
      field: f.field,
      allowed: f.allowed,
      reason: f.reason,
      ...(f.obligation !== undefined ? { obligation: f.obligation } : {}),
    })),
    policyRevision: typeof payload.policyRevision === 'number' ? payload.policyRevision : null,
    subjectRef: row.subject_ref,
  };
}
