import { Injectable } from '@nestjs/common';
import {
  AuditRepository,
  DailyDecisionCountRow,
  DecisionCountRow,
  DenialReasonCountRow,
} from './audit.repository';

export type { DailyDecisionCountRow, DecisionCountRow, DenialReasonCountRow } from './audit.repository';

/**
 * Aggregates of the decisions the access check recorded in the trail (the access report). The
 * trail is this module's table: other modules read it through here, never with their own SQL.
 * The payload keys read (`decision`, `fields[].allowed`, `fields[].reason`) are the access
 * module's stable decision payload.
 */
@Injectable()
export class AuditAccessSummaryService {
  constructor(private readonly repository: AuditRepository) {}

  /** Events of `eventType` in [from, to), counted by actor, purpose and decision. */
  decisionCounts(eventType: string, from: Date, to: Date): Promise<DecisionCountRow[]> {
    return this.repository.decisionCounts(eventType, from, to);
  }

  /** Events of `eventType` in [from, to), counted per UTC day and decision. */
  decisionsPerDay(eventType: string, from: Date, to: Date): Promise<DailyDecisionCountRow[]> {
    return this.repository.decisionsPerDay(eventType, from, to);
  }

  /** The `limit` most frequent reasons of refused fields in events of `eventType` in [from, to). */
  topDenialReasons(eventType: string, from: Date, to: Date, limit = 10): Promise<DenialReasonCountRow[]> {
    return this.repository.topDenialReasons(eventType, from, to, limit);
  }
}
