import { AuditBatchWriter } from './audit-batch-writer';
import { AuditTrailOverloaded, AuditTrailUnavailable } from './audit.errors';

/** A fake store whose writes complete only when the test releases them. */
function controlledStore() {
  const batches: number[][] = [];
  const releases: Array<(fail?: Error) => void> = [];
  let seq = 0;
  const write = (events: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push(events);
      releases.push((fail) => (fail ? reject(fail) : resolve(events.map((e) => `${++seq}:${e}`))));
    });
  const releaseNext = async (fail?: Error) => {
    while (releases.length === 0) await new Promise((r) => setImmediate(r));
    releases.shift()!(fail);
  };
  return { batches, write, releaseNext };
}

describe('AuditBatchWriter (group commit)', () => {
  it('writes the events submitted while a batch is in flight as one next batch, in order', async () => {
    const store = controlledStore();
    const writer = new AuditBatchWriter(store.write, { maxBatchSize: 100, maxQueuedEvents: 1000 });
    const first = writer.submit([1]);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const later = [writer.submit([2]), writer.submit([3, 4]), writer.submit([5])];
    await store.releaseNext();
    await store.releaseNext();
    expect(await first).toEqual(['1:1']);
    expect(await Promise.all(later)).toEqual([['2:2'], ['3:3', '4:4'], ['5:5']]);
    expect(store.batches).toEqual([[1], [2, 3, 4, 5]]);
    expect(writer.pending).toBe(0);
  });

  it('groups the callers of one tick into the first batch', async () => {
    const store = controlledStore();
    const writer = new AuditBatchWriter(store.write, { maxBatchSize: 100, maxQueuedEvents: 1000 });
    const all = Promise.all([1, 2, 3].map((e) => writer.submit([e])));
    await store.releaseNext();
    await all;
    expect(store.batches).toEqual([[1, 2, 3]]);
  });

  it('never exceeds the batch size and never splits a group', async () => {
    const store = controlledStore();
    const writer = new AuditBatchWriter(store.write, { maxBatchSize: 3, maxQueuedEvents: 1000 });
    const all = Promise.all([writer.submit([1, 2]), writer.submit([3, 4]), writer.submit([5, 6, 7, 8])]);
    for (let i = 0; i < 3; i++) await store.releaseNext();
    await all;
    expect(store.batches).toEqual([
      [1, 2],
      [3, 4],
      [5, 6, 7, 8],
    ]);
  });

  it('rejects every caller of a failed batch, and only those', async () => {
    const store = controlledStore();
    const writer = new AuditBatchWriter(store.write, { maxBatchSize: 100, maxQueuedEvents: 1000 });
    const failed = [writer.submit([1]), writer.submit([2])];
    await store.releaseNext(new Error('commit failed'));
    await expect(failed[0]).rejects.toThrow('commit failed');
    await expect(failed[1]).rejects.toThrow('commit failed');
    const next = writer.submit([3]);
    await store.releaseNext();
    expect(await next).toEqual(['1:3']);
  });

  it('refuses at once beyond the queue bound (back-pressure)', async () => {
    const store = controlledStore();
    const writer = new AuditBatchWriter(store.write, { maxBatchSize: 10, maxQueuedEvents: 3 });
    const accepted = writer.submit([1, 2, 3]);
    await expect(writer.submit([4])).rejects.toBeInstanceOf(AuditTrailOverloaded);
    await store.releaseNext();
    await accepted;
    const afterDrain = writer.submit([5]);
    await store.releaseNext();
    await expect(afterDrain).resolves.toHaveLength(1);
  });

  it('flushes queued events on close, then refuses new ones', async () => {
    const store = controlledStore();
    const writer = new AuditBatchWriter(store.write, { maxBatchSize: 100, maxQueuedEvents: 1000 });
    const queued = writer.submit([1, 2]);
    const closing = writer.close();
    await expect(writer.submit([3])).rejects.toBeInstanceOf(AuditTrailUnavailable);
    await store.releaseNext();
    await closing;
    expect(await queued).toEqual(['1:1', '2:2']);
  });
});
