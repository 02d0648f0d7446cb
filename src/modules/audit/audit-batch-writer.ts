import { AuditTrailOverloaded, AuditTrailUnavailable } from './audit.errors';

export interface AuditBatchWriterOptions {
  /** Most events written by one multi-row insert (a larger single group is written alone). */
  maxBatchSize: number;
  /** Most events waiting for the writer; beyond it, submissions are refused at once. */
  maxQueuedEvents: number;
}

interface PendingGroup<TEvent, TRecord> {
  events: TEvent[];
  resolve: (records: TRecord[]) => void;
  reject: (error: unknown) => void;
}

/**
 * The single writer of one process (group commit). Concurrent submissions queue up while a
 * batch is being written; the next batch takes everything queued meanwhile, so throughput grows
 * with concurrency instead of paying one transaction per event. A group (one submit) is never
 * split across batches and keeps its order. Every promise settles only after its batch's COMMIT
 * succeeded or failed: nothing is acknowledged before it is durable.
 */
export class AuditBatchWriter<TEvent, TRecord> {
  private queue: PendingGroup<TEvent, TRecord>[] = [];
  private queuedEvents = 0;
  private draining: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly writeBatch: (events: TEvent[]) => Promise<TRecord[]>,
    private readonly options: AuditBatchWriterOptions,
  ) {}

  /** Resolves with the records of `events`, in order, once their batch has committed. */
  submit(events: TEvent[]): Promise<TRecord[]> {
    if (events.length === 0) return Promise.resolve([]);
    if (this.closed) {
      return Promise.reject(new AuditTrailUnavailable('The audit trail writer is shut down'));
    }
    if (this.queuedEvents + events.length > this.options.maxQueuedEvents) {
      return Promise.reject(
        new AuditTrailOverloaded('Too many audit events are waiting to be written; try again shortly', {
          queuedEvents: this.queuedEvents,
          maxQueuedEvents: this.options.maxQueuedEvents,
        }),
      );
    }
    return new Promise<TRecord[]>((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.queuedEvents += events.length;
      this.draining ??= this.drain();
    });
  }

  /** Events waiting for (or being written by) the current batch. */
  get pending(): number {
    return this.queuedEvents;
  }

  /** Refuses new events and waits until every queued one is written (or rejected). */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    // Let callers of the same tick join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      const events = batch.flatMap((group) => group.events);
      try {
        const records = await this.writeBatch(events);
        if (records.length !== events.length) {
          throw new Error(`audit writer returned ${records.length} records for ${events.length} events`);
        }
        let offset = 0;
        for (const group of batch) {
          group.resolve(records.slice(offset, offset + group.events.length));
          offset += group.events.length;
        }
      } catch (error) {
        for (const group of batch) group.reject(error);
      } finally {
        this.queuedEvents -= events.length;
      }
    }
    // Synchronously with the emptiness check above, so a later submit starts a new drain.
    this.draining = null;
  }

  private takeBatch(): PendingGroup<TEvent, TRecord>[] {
    let count = 0;
    let size = 0;
    while (count < this.queue.length) {
      const next = this.queue[count].events.length;
      if (count > 0 && size + next > this.options.maxBatchSize) break;
      size += next;
      count += 1;
    }
    return this.queue.splice(0, count);
  }
}
