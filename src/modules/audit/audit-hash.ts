import { createHash } from 'node:crypto';
import type { AuditEventRecord } from './audit-event.types';
import { canonicalJson } from './canonical-json';

/** The hashed content of an event: everything but the hashes themselves. */
export function hashedContent(e: Omit<AuditEventRecord, 'prevHash' | 'hash'>): Record<string, unknown> {
  return {
    seq: e.seq,
    occurredAt: e.occurredAt,
    type: e.type,
    actor: e.actor,
    target: e.target,
    purposeCode: e.purposeCode,
    subjectRef: e.subjectRef,
    payload: e.payload,
    requestId: e.requestId,
  };
}

/** hash = SHA-256(prevHash hex ‖ canonical JSON of the event), hex encoded. */
export function chainHash(prevHash: string, e: Omit<AuditEventRecord, 'prevHash' | 'hash'>): string {
  return createHash('sha256')
    .update(prevHash, 'utf8')
    .update(canonicalJson(hashedContent(e)), 'utf8')
    .digest('hex');
}
