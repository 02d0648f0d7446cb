import type { AuditEventRecord } from './audit-event.types';

/** Columns of audit_event in the order every reader selects them. */
export const AUDIT_EVENT_COLUMNS = `seq, occurred_at, type, actor_type, actor_id, actor_name, target_type, target_id,
  purpose_code, subject_ref, payload, request_id, prev_hash, hash`;

/** A raw audit_event row as the pg driver returns it. */
export interface AuditEventRow {
  seq: string;
  occurred_at: Date;
  type: string;
  actor_type: string;
  actor_id: string;
  actor_name: string;
  target_type: string | null;
  target_id: string | null;
  purpose_code: string | null;
  subject_ref: string | null;
  payload: Record<string, unknown>;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

/** Row → the event exactly as it was hashed (see audit-hash.ts). */
export function toAuditEventRecord(row: AuditEventRow): AuditEventRecord {
  return {
    seq: Number(row.seq),
    occurredAt: row.occurred_at.toISOString(),
    type: row.type,
    actor: {
      type: row.actor_type as AuditEventRecord['actor']['type'],
      id: row.actor_id,
      name: row.actor_name,
    },
    target:
      row.target_type !== null && row.target_id !== null
        ? { type: row.target_type, id: row.target_id }
        : null,
    purposeCode: row.purpose_code,
    subjectRef: row.subject_ref,
    payload: row.payload,
    requestId: row.request_id,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
