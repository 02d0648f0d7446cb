import type { Actor } from '../../policies/principal';

/** Every kind of event the trail records. Dotted: <domain>.<what happened>. */
export type AuditEventType = string;

export interface AuditTarget {
  type: string;
  id: string;
}

/** What a caller hands to the audit service. Subject ids are hashed before storage. */
export interface AuditEventInput {
  type: AuditEventType;
  actor: Actor;
  target?: AuditTarget;
  purposeCode?: string;
  /** A data subject id in clear: stored only as its keyed hash (subjectRef). */
  subjectId?: string;
  payload?: Record<string, unknown>;
  requestId?: string;
}

/** An event as stored and as hashed (see canonical-json.ts and docs/audit.md). */
export interface AuditEventRecord {
  seq: number;
  occurredAt: string;
  type: string;
  actor: Actor;
  target: AuditTarget | null;
  purposeCode: string | null;
  subjectRef: string | null;
  payload: Record<string, unknown>;
  requestId: string | null;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);
