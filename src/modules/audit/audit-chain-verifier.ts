import type { AuditEventRecord } from './audit-event.types';
import { chainHash } from './audit-hash';

export enum ChainBreakReason {
  /** The next sequence number is absent (a deleted row). */
  MissingEvent = 'missing_event',
  /** The event does not point at the hash of the event before it (reordered, inserted). */
  PrevHashMismatch = 'prev_hash_mismatch',
  /** The event's content does not hash to its stored hash (edited). */
  HashMismatch = 'hash_mismatch',
  /** The chain at a signed checkpoint's sequence differs from what was signed (rewritten). */
  CheckpointMismatch = 'checkpoint_mismatch',
  /** A checkpoint's signature does not verify with the trail's key (forged checkpoint). */
  CheckpointSignatureInvalid = 'checkpoint_signature_invalid',
  /** A signed checkpoint covers events the table no longer holds (truncated tail). */
  TruncatedTail = 'truncated_tail',
  /**
   * Checkpoints that existed are gone (ids the sequence issued, or that an export cited): the
   * history after the last surviving one may have been rewritten and cannot be trusted.
   */
  CheckpointsMissing = 'checkpoints_missing',
}

export interface ChainBreak {
  /** The first sequence number at which the trail is not what it should be. */
  seq: number;
  reason: ChainBreakReason;
  expected: string;
  found: string;
}

/**
 * Walks events in sequence order and reports the first broken link. Pure and incremental, so
 * the service can stream millions of rows through it in constant memory.
 */
export class AuditChainVerifier {
  private nextSeq: number;
  private prevHash: string;
  private checked = 0;

  /** startSeq: the first expected sequence; anchorHash: the hash of the event before it. */
  constructor(startSeq: number, anchorHash: string) {
    this.nextSeq = startSeq;
    this.prevHash = anchorHash;
  }

  check(event: AuditEventRecord): ChainBreak | null {
    if (event.seq !== this.nextSeq) {
      return {
        seq: this.nextSeq,
        reason: ChainBreakReason.MissingEvent,
        expected: `event seq ${this.nextSeq}`,
        found: `event seq ${event.seq}`,
      };
    }
    if (event.prevHash !== this.prevHash) {
      return {
        seq: event.seq,
        reason: ChainBreakReason.PrevHashMismatch,
        expected: this.prevHash,
        found: event.prevHash,
      };
    }
    const recomputed = chainHash(event.prevHash, event);
    if (recomputed !== event.hash) {
      return {
        seq: event.seq,
        reason: ChainBreakReason.HashMismatch,
        expected: recomputed,
        found: event.hash,
      };
    }
    this.prevHash = event.hash;
    this.nextSeq += 1;
    this.checked += 1;
    return null;
  }

  get checkedEvents(): number {
    return this.checked;
  }

  /** Sequence of the last event that verified (startSeq - 1 when none did). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  get lastHash(): string {
    return this.prevHash;
  }
}
