import { ChainBreak, ChainBreakReason } from './audit-chain-verifier';
import type { CheckpointRemovalEvidence } from './audit.repository';

/** The break verify reports when checkpoints that existed are gone (docs/audit.md, "Removed checkpoints"). */
export function checkpointsMissingBreak(removed: CheckpointRemovalEvidence, fromSeq: number): ChainBreak {
  const cited =
    removed.citedBySeq !== null
      ? `, cited by the audit.checkpoints_exported event at seq ${removed.citedBySeq}`
      : '';
  const issued = removed.issued !== null ? ` of ${removed.issued} issued` : '';
  const kept = removed.keptOutside && !cited ? ', the last one signed here (kept under DATA_DIR)' : '';
  return {
    seq: Math.max(removed.sealedBefore + 1, fromSeq),
    reason: ChainBreakReason.CheckpointsMissing,
    expected: `checkpoint id ${removed.firstMissingId}${cited}${kept}`,
    found: `no checkpoint with id ${removed.firstMissingId} (${removed.held} checkpoint(s) held${issued})`,
  };
}

/** The human sentence for a break (the `message` of verify). */
export function describeBreak(b: ChainBreak): string {
  switch (b.reason) {
    case ChainBreakReason.MissingEvent:
      return `Event seq ${b.seq} is missing (deleted or never written)`;
    case ChainBreakReason.PrevHashMismatch:
      return `Event seq ${b.seq} does not link to the event before it (reordered or inserted rows)`;
    case ChainBreakReason.HashMismatch:
      return `Event seq ${b.seq} does not match its hash (its content was changed)`;
    case ChainBreakReason.CheckpointMismatch:
      return `The chain at seq ${b.seq} differs from what a signed checkpoint sealed (history rewritten)`;
    case ChainBreakReason.CheckpointSignatureInvalid:
      return `The checkpoint at seq ${b.seq} has an invalid signature (forged or altered checkpoint)`;
    case ChainBreakReason.TruncatedTail:
      return `Events from seq ${b.seq} are missing although a signed checkpoint covers them (truncated tail)`;
    case ChainBreakReason.CheckpointsMissing:
      return (
        `Signed checkpoints were removed (${b.found}): the history from seq ${b.seq} on may have been ` +
        'rewritten and is not trustworthy; compare it with checkpoints kept outside the database'
      );
  }
}
