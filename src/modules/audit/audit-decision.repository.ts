import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AUDIT_EVENT_COLUMNS, AuditEventRow } from './audit-event.mapper';

/** The event type the access check records its decisions as (the access module's, stable). */
export const ACCESS_DECISION_EVENT_TYPE = 'access.decision';

export interface AccessDecisionFilter {
  actorId?: string;
  purposeCode?: string;
  /** Matched together on one element of payload.fields when both are given. */
  field?: string;
  reason?: string;
  decision?: string;
  subjectRef?: string;
  from?: Date;
  to?: Date;
  /** Keyset: only events with a lower seq (newest first). */
  beforeSeq?: number;
}

/** SQL over the trail for the recorded access decisions (parameterised; payload read as JSONB). */
@Injectable()
export class AuditDecisionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Newest first, `limit` rows at most. */
  search(filter: AccessDecisionFilter, limit: number): Promise<AuditEventRow[]> {
    const params: unknown[] = [ACCESS_DECISION_EVENT_TYPE];
    const conditions = ['type = $1'];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      conditions.push(sql(`$${params.length}`));
    };
    if (filter.actorId) add((p) => `actor_id = ${p}`, filter.actorId);
    if (filter.purposeCode) add((p) => `purpose_code = ${p}`, filter.purposeCode);
    if (filter.field !== undefined || filter.reason !== undefined) {
      // Containment on one array element: "this field was denied for this reason", not either.
      const element = {
        ...(filter.field !== undefined ? { field: filter.field } : {}),
        ...(filter.reason !== undefined ? { reason: filter.reason } : {}),
      };
      add((p) => `payload->'fields' @> ${p}::jsonb`, JSON.stringify([element]));
    }
    if (filter.decision) add((p) => `payload->>'decision' = ${p}`, filter.decision);
    if (filter.subjectRef) add((p) => `subject_ref = ${p}`, filter.subjectRef);
    if (filter.from) add((p) => `occurred_at >= ${p}`, filter.from.toISOString());
    if (filter.to) add((p) => `occurred_at < ${p}`, filter.to.toISOString());
    if (filter.beforeSeq !== undefined) add((p) => `seq < ${p}`, filter.beforeSeq);
    params.push(limit);
    return this.dataSource.query<AuditEventRow[]>(
      `SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_event WHERE ${conditions.join(' AND ')}
        ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
  }
}
