import type { PurgeInputs } from '../purge-inputs.reader';

/**
 * A purge's read ahead (ADR 0034 "Read ahead"): a batch's read is a read-only statement of its
 * own, outside the batch's transaction, so once it has returned the batch's last key the next
 * batch's read can start on another connection of the pool while this batch's changes and its
 * preparation run. The customer database does the same work; the purge waits for a read only
 * when it is the slower of the two. A read is used once, and only by the batch it was started
 * for: same cursor, same holds (a redone batch, or one under new holds, reads again).
 */
export class BatchReadAhead<R> {
  private ahead: { cursor: string; inputs: PurgeInputs; read: Promise<R> } | null = null;

  constructor(private readonly read: (cursor: string[] | null, inputs: PurgeInputs) => Promise<R>) {}

  /** The read of the batch after `cursor`: the one started ahead for it, or a new one. */
  take(cursor: string[] | null, inputs: PurgeInputs): Promise<R> {
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead && ahead.cursor === JSON.stringify(cursor) && ahead.inputs === inputs) return ahead.read;
    return this.read(cursor, inputs);
  }

  /** Starts the read of the batch after `cursor` (the last key of the batch being changed). */
  startAfter(cursor: string[], inputs: PurgeInputs): void {
    const read = this.read(cursor, inputs);
    // Awaited only if the next batch takes it; one left unused must not be an unhandled rejection.
    read.catch(() => undefined);
    this.ahead = { cursor: JSON.stringify(cursor), inputs, read };
  }
}
