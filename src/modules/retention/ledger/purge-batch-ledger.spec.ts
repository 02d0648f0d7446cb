import type { EntityManager } from 'typeorm';
import type { AuditService } from '../../audit/audit.service';
import type { PurgeBatchEntity } from '../entities/purge-batch.entity';
import {
  RetentionBatchInProgress,
  RetentionBatchOutcomeUnknown,
  RetentionLeaseLost,
} from '../retention.errors';
import type { SubjectStateService } from '../../consents/subject-state.service';
import type { ArchivePhaseRepository } from './archive-phase.repository';
import { ArchiveLedger, BatchOutcome, CustomerXactStatus, PurgeBatchLedger } from './purge-batch-ledger';
import type { BatchRecord, PurgeBatchRepository } from './purge-batch.repository';
import type { RunDatasetRepository } from './run-dataset.repository';
import type { RunLease } from './run-lease';

/**
 * The exactly-once protocol on its own, its repositories replaced by an in-memory ledger whose
 * transactions roll back on a throw (as PostgreSQL's do).
 */
class FakeStore {
  batches: (BatchRecord & { id: string; state: 'prepared' | 'committed' })[] = [];
  dataset = { batches: 0, cursor: null as string[] | null, counted: { scanned: 0, deleted: 0 } };
  events: Record<string, unknown>[] = [];
  /** subject_archive_phase writes (ADR 0052). */
  archived: { runId: string; datasetId: string; ledger: ArchiveLedger }[] = [];
  /** Subject-state notifications sent with the Finalité transaction. */
  notified: string[] = [];
  leaseHeld = true;
  cancelRequested = false;

  snapshot() {
    return JSON.stringify([this.batches, this.dataset, this.events, this.archived, this.notified]);
  }
  restore(s: string) {
    [this.batches, this.dataset, this.events, this.archived, this.notified] = JSON.parse(s);
  }
}

function ledgerOver(store: FakeStore): PurgeBatchLedger {
  const m = {} as EntityManager;
  const batches: Partial<PurgeBatchRepository> = {
    transaction: async <T>(work: (m: EntityManager) => Promise<T>) => {
      const before = store.snapshot();
      try {
        return await work(m);
      } catch (e) {
        store.restore(before);
        throw e;
      }
    },
    insert: async (_m, state, b) => {
      store.batches.push({ ...b, id: `b${b.seq}`, state });
    },
    markCommitted: async (_m, _rd, seq) => {
      const b = store.batches.find((x) => x.seq === seq && x.state === 'prepared');
      if (!b) return false;
      b.state = 'committed';
      return true;
    },
    findPrepared: async () => (store.batches.find((b) => b.state === 'prepared') as never) ?? null,
    discard: async (id) => {
      store.batches = store.batches.filter((b) => b.id !== id);
    },
  };
  const datasets: Partial<RunDatasetRepository> = {
    advance: async (_m, _id, seq, lastKey, counts) => {
      if (store.dataset.batches !== seq - 1) return false;
      store.dataset.batches = seq;
      store.dataset.cursor = lastKey;
      store.dataset.counted.scanned += counts.scanned;
      store.dataset.counted.deleted += counts.deleted;
      return true;
    },
  };
  const lease: Partial<RunLease> = {
    renewForBatch: async (_m, runId, seq) => {
      if (!store.leaseHeld) throw new RetentionLeaseLost(`lost before ${seq} of ${runId}`);
      return { cancelRequested: store.cancelRequested };
    },
  };
  // As AuditService does: inside withDeferredRecords, events are held back and appended at the end.
  let deferred: Record<string, unknown>[] | null = null;
  const audit: Partial<AuditService> = {
    recordInTransaction: async (_m, event) => {
      (deferred ?? store.events).push(event.payload as Record<string, unknown>);
      return undefined;
    },
    withDeferredRecords: async <T>(_m: EntityManager, work: () => Promise<T>): Promise<T> => {
      deferred = [];
      try {
        const result = await work();
        store.events.push(...deferred);
        return result;
      } finally {
        deferred = null;
      }
    },
  };
  const archivePhases: Partial<ArchivePhaseRepository> = {
    apply: async (_m, runId, datasetId, ledger) => {
      store.archived.push({ runId, datasetId, ledger });
    },
  };
  const ledger = new PurgeBatchLedger(
    batches as PurgeBatchRepository,
    datasets as RunDatasetRepository,
    lease as RunLease,
    audit as AuditService,
    archivePhases as ArchivePhaseRepository,
    {
      notifyChanged: async (_m: unknown, subjectId: string) => {
        store.notified.push(subjectId);
      },
    } as unknown as SubjectStateService,
  );
  ledger.pollMs = 1;
  return ledger;
}

const run = { id: 'run-1', dryRun: false };
const rd = () => ({
  id: 'rd-1',
  systemCode: 'crm',
  datasetId: 'ds-1',
  datasetName: 'public.customers',
  cursor: null as string[] | null,
  sampleKeys: [] as string[][],
});
const outcome = (from: number, to: number, deleted: number): BatchOutcome => ({
  kept: {},
  scanned: to - from + 1,
  deleted,
  anonymised: 0,
  held: 0,
  undated: 0,
  firstKey: [String(from)],
  lastKey: [String(to)],
  sample: [],
  customerXid: `${1000 + from}`,
  durationMs: 5,
});

describe('PurgeBatchLedger (exactly-once batches)', () => {
  it('prepares a batch and records the previous one in the same transaction', async () => {
    const store = new FakeStore();
    const ledger = ledgerOver(store);
    const first = outcome(1, 10, 4);
    expect(await ledger.prepare(run, rd(), null, 1, first)).toBeNull();
    expect(store.batches).toMatchObject([{ seq: 1, state: 'prepared', customerXid: '1001', deleted: 4 }]);
    expect(store.dataset.batches).toBe(0); // not counted until its customer COMMIT is known

    const state = await ledger.prepare(
      run,
      rd(),
      { seq: 1, cursor: null, outcome: first },
      2,
      outcome(11, 20, 3),
    );
    expect(state).toMatchObject({ batches: 1, cursor: ['10'], cancelRequested: false });
    expect(store.batches.map((b) => [b.seq, b.state])).toEqual([
      [1, 'committed'],
      [2, 'prepared'],
    ]);
    expect(store.dataset.counted).toEqual({ scanned: 10, deleted: 4 });
    expect(store.events).toMatchObject([{ seq: 1, deleted: 4, after: null, keyTo: ['10'] }]);
  });

  it('records the previous batch while the outcome is pending, its audit event and this batch once it is known', async () => {
    const store = new FakeStore();
    const ledger = ledgerOver(store);
    const first = outcome(1, 10, 4);
    await ledger.prepare(run, rd(), null, 1, first);
    let resolve!: (o: BatchOutcome) => void;
    const second = new Promise<BatchOutcome>((r) => (resolve = r));
    const prepared = ledger.prepare(run, rd(), { seq: 1, cursor: null, outcome: first }, 2, second);
    // The customer statements are still running: batch 1 is recorded meanwhile…
    await waitUntil(() => store.dataset.batches === 1);
    expect(store.batches.map((b) => [b.seq, b.state])).toEqual([[1, 'committed']]);
    // …but its audit event (the chain lock) waits for the end of the transaction.
    expect(store.events).toEqual([]);
    resolve(outcome(11, 20, 3));
    expect(await prepared).toMatchObject({ batches: 1, cursor: ['10'] });
    expect(store.batches.map((b) => [b.seq, b.state])).toEqual([
      [1, 'committed'],
      [2, 'prepared'],
    ]);
    expect(store.events).toMatchObject([{ seq: 1, deleted: 4 }]);
  });

  it('rolls everything back when the outcome never comes (the batch failed before its COMMIT)', async () => {
    const store = new FakeStore();
    const ledger = ledgerOver(store);
    const first = outcome(1, 10, 4);
    await ledger.prepare(run, rd(), null, 1, first);
    let reject!: (e: Error) => void;
    const second = new Promise<BatchOutcome>((_r, j) => (reject = j));
    const prepared = ledger.prepare(run, rd(), { seq: 1, cursor: null, outcome: first }, 2, second);
    await waitUntil(() => store.dataset.batches === 1);
    reject(new Error('the DELETE failed'));
    await expect(prepared).rejects.toThrow('the DELETE failed');
    // Batch 1 stays prepared, to be recorded with the next preparation or on its own.
    expect(store.batches).toMatchObject([{ seq: 1, state: 'prepared' }]);
    expect(store.dataset.batches).toBe(0);
    expect(store.events).toEqual([]);
  });

  it('never leaves an unhandled rejection when recording fails before the outcome fails', async () => {
    const store = new FakeStore();
    const ledger = ledgerOver(store);
    store.leaseHeld = false;
    const failed = Promise.reject(new Error('the DELETE failed'));
    await expect(
      ledger.prepare(run, rd(), { seq: 1, cursor: null, outcome: outcome(1, 10, 4) }, 2, failed),
    ).rejects.toBeInstanceOf(RetentionLeaseLost);
    // Jest fails the test on an unhandled rejection of `failed`; give it a turn to surface.
    await new Promise((r) => setImmediate(r));
    expect(store.batches).toEqual([]);
  });

  it('records nothing, and prepares nothing, once the lease is lost', async () => {
    const store = new FakeStore();
    const ledger = ledgerOver(store);
    const first = outcome(1, 10, 4);
    await ledger.prepare(run, rd(), null, 1, first);
    store.leaseHeld = false;
    await expect(
      ledger.prepare(run, rd(), { seq: 1, cursor: null, outcome: first }, 2, outcome(11, 20, 3)),
    ).rejects.toBeInstanceOf(RetentionLeaseLost);
    expect(store.batches).toMatchObject([{ seq: 1, state: 'prepared' }]);
    expect(store.dataset.batches).toBe(0);
    expect(store.events).toEqual([]);
  });

  it('rolls the preparation back when the check (the holds re-read) throws', async () => {
    const store = new FakeStore();
    const ledger = ledgerOver(store);
    await expect(
      ledger.prepare(run, rd(), null, 1, outcome(1, 10, 4), () => Promise.reject(new Error('hold placed'))),
    ).rejects.toThrow('hold placed');
    expect(store.batches).toEqual([]);
  });

  it('never counts a batch twice', async () => {
    const store = new FakeStore();
    const ledger = ledgerOver(store);
    const o = outcome(1, 10, 4);
    await ledger.prepare(run, rd(), null, 1, o);
    await ledger.commit(run, rd(), { seq: 1, cursor: null, outcome: o });
    await ledger.prepare(run, rd(), null, 1, o); // a stale worker's duplicate
    await expect(ledger.commit(run, rd(), { seq: 1, cursor: null, outcome: o })).rejects.toThrow(
      'already recorded',
    );
    expect(store.dataset.counted.deleted).toBe(4);
    expect(store.events).toHaveLength(1);
  });

  it('refuses to record a purge batch that was never prepared', async () => {
    const store = new FakeStore();
    await expect(
      ledgerOver(store).commit(run, rd(), { seq: 1, cursor: null, outcome: outcome(1, 10, 4) }),
    ).rejects.toThrow('was not prepared');
    expect(store.dataset.batches).toBe(0);
  });

  it('records a dry-run batch at once, committed, with no customer transaction', async () => {
    const store = new FakeStore();
    const state = await ledgerOver(store).commit({ id: 'run-2', dryRun: true }, rd(), {
      seq: 1,
      cursor: null,
      outcome: outcome(1, 10, 4),
    });
    expect(state.batches).toBe(1);
    expect(store.batches).toMatchObject([{ seq: 1, state: 'committed', customerXid: null }]);
  });

  it('passes the cancel request seen with the lease on to the caller', async () => {
    const store = new FakeStore();
    store.cancelRequested = true;
    const ledger = ledgerOver(store);
    const o = outcome(1, 10, 4);
    await ledger.prepare(run, rd(), null, 1, o);
    expect((await ledger.commit(run, rd(), { seq: 1, cursor: null, outcome: o })).cancelRequested).toBe(true);
  });

  describe('after a crash, a prepared batch', () => {
    const crashed = async (statuses: CustomerXactStatus[], archive: ArchiveLedger | null = null) => {
      const store = new FakeStore();
      const ledger = ledgerOver(store);
      await ledger.prepare(run, rd(), null, 1, { ...outcome(1, 10, 4), archive });
      const prepared = (await ledger.findPrepared('rd-1')) as unknown as BatchRecord & { id: string };
      const entity = {
        id: prepared.id,
        seq: prepared.seq,
        customerXid: prepared.customerXid,
        keyFrom: prepared.firstKey,
        keyTo: prepared.lastKey,
        rowsScanned: prepared.scanned,
        rowsDeleted: prepared.deleted,
        rowsAnonymised: prepared.anonymised,
        rowsHeld: prepared.held,
        rowsUndated: prepared.undated,
        durationMs: prepared.durationMs,
        archiveLedger: prepared.archive ?? null,
      } as PurgeBatchEntity;
      const asked: string[] = [];
      const statusOf = (xid: string) => {
        asked.push(xid);
        return Promise.resolve(statuses.length > 1 ? statuses.shift()! : statuses[0]);
      };
      return { store, result: ledger.resolve(run, rd(), entity, statusOf), asked };
    };

    it('is recorded with its prepared counts when its customer transaction committed', async () => {
      const { store, result, asked } = await crashed(['committed']);
      expect(await result).toMatchObject({ batches: 1, cursor: ['10'] });
      expect(asked).toEqual(['1001']);
      expect(store.batches).toMatchObject([{ seq: 1, state: 'committed' }]);
      expect(store.dataset.counted).toEqual({ scanned: 10, deleted: 4 });
      expect(store.events).toHaveLength(1);
    });

    it('writes the archive ledger it carries once, when recorded, and never when discarded', async () => {
      const archive: ArchiveLedger = {
        purposeIds: ['p-1'],
        moved: [
          {
            subject: 'c-1',
            activeEndedAt: '2025-01-01T00:00:00.000Z',
            archiveUntil: '2030-01-01T00:00:00.000Z',
          },
        ],
        cleared: [],
      };
      const committed = await crashed(['committed'], archive);
      await committed.result;
      expect(committed.store.archived).toEqual([{ runId: 'run-1', datasetId: 'ds-1', ledger: archive }]);
      // The access checks of every instance learn it with the same commit (ARCHIVED at once).
      expect(committed.store.notified).toEqual(['c-1']);
      const aborted = await crashed(['aborted'], archive);
      await aborted.result;
      expect(aborted.store.archived).toEqual([]);
      expect(aborted.store.notified).toEqual([]);
    });

    it('is discarded (to be redone) when its customer transaction aborted', async () => {
      const { store, result } = await crashed(['aborted']);
      expect(await result).toBeNull();
      expect(store.batches).toEqual([]);
      expect(store.dataset.batches).toBe(0);
      expect(store.events).toEqual([]);
    });

    it('is waited for while its customer transaction is still in progress', async () => {
      const { store, result, asked } = await crashed(['in progress', 'in progress', 'committed']);
      expect(await result).toMatchObject({ batches: 1 });
      expect(asked).toHaveLength(3);
      expect(store.dataset.counted.deleted).toBe(4);
    });

    it('is refused, never guessed, when the customer database no longer knows it', async () => {
      const { store, result } = await crashed([null]);
      await expect(result).rejects.toBeInstanceOf(RetentionBatchOutcomeUnknown);
      expect(store.batches).toMatchObject([{ seq: 1, state: 'prepared' }]);
      expect(store.dataset.batches).toBe(0);
    });

    it('is left for a later attempt when its transaction never ends', async () => {
      const { store, result } = await crashed(['in progress']);
      await expect(result).rejects.toBeInstanceOf(RetentionBatchInProgress);
      expect(store.batches).toMatchObject([{ seq: 1, state: 'prepared' }]);
    });
  });
});

/** Polls a condition of the fake store (the ledger's awaits are microtasks), within a bound. */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setImmediate(r));
  expect(condition()).toBe(true);
}
