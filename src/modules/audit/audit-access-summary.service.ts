import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Decisions of one application for one purpose with one outcome, in a period. */
export interface DecisionCountRow {
  actorId: string;
  actorName: string;
  purposeCode: string;
  decision: string;
  count: number;
}

/** How often one denial reason was given for a field, in a period. */
export interface DenialReasonCountRow {
  reason: string;
  count: number;
}

/**
 * Aggregates of the decisions the access check recorded in the trail (the access report). The
 * trail is this module's table: other modules read it through here, never with their own SQL.
 * The payload keys read (`decision`, `fields[].allowed`, `fields[].reason`) are the access
 * module's stable decision payload.
 */
@Injectable()
export class AuditAccessSummaryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Events of `eventType` in [from, to), counted by actor, purpose and decision. */
  async decisionCounts(eventType: string, from: Date, to: Date): Promise<DecisionCountRow[]> {
    const rows = await this.dataSource.query<
      { actor_id: string; actor_name: string; purpose_code: string; decision: string; count: number }[]
    >(
      `SELECT actor_id, max(actor_name) AS actor_name, purpose_code, payload->>'decision' AS decision,
              count(*)::int AS count
         FROM audit_event
        WHERE type = $1 AND occurred_at >= $2 AND occurred_at < $3
        GROUP BY actor_id, purpose_code, payload->>'decision'
        ORDER BY actor_id, purpose_code, decision`,
      [eventType, from, to],
    );
    return rows.map((r) => ({
      actorId: r.actor_id,
      actorName: r.actor_name,
      purposeCode: r.purpose_code,
      decision: r.decision,
      count: Number(r.count),
    }));
  }

  /** The `limit` most frequent reasons of refused fields in events of `eventType` in [from, to). */
  async topDenialReasons(
    eventType: string,
    from: Date,
    to: Date,
    limit = 10,
  ): Promise<DenialReasonCountRow[]> {
    const rows = await this.dataSource.query<{ reason: string; count: number }[]>(
      `SELECT f->>'reason' AS reason, count(*)::int AS count
         FROM audit_event e, jsonb_array_elements(e.payload->'fields') AS f
        WHERE e.type = $1 AND e.occurred_at >= $2 AND e.occurred_at < $3
          AND (f->>'allowed')::boolean = false
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $4`,
      [eventType, from, to, limit],
    );
    return rows.map((r) => ({ reason: r.reason, count: Number(r.count) }));
  }
}
