import type { Pool } from 'pg';
import {
  customerPurposes,
  customersPlan,
  customersTable,
} from '../../../../../test/factories/postgres-customers.factory';
import { purgeInputs } from '../../../../../test/factories/retention-plan.factory';
import type { RetentionRunDatasetEntity } from '../../entities/retention-run-dataset.entity';
import type { RetentionRunEntity } from '../../entities/retention-run.entity';
import type { BatchOutcome } from '../../ledger/purge-batch-ledger';
import type { PurgeInputs } from '../../purge-inputs.reader';
import { buildDatasetRule } from '../../retention-rule';
import type { BatchPreparation, BatchRequest } from '../batched-dataset-purge';
import type { BatchRow, PostgresCustomerDatabase } from './customer-database';
import { PostgresDatasetPurge } from './postgres-dataset-purge';
import type { SqlStatement } from './sql-builder';

/** A customer database that answers reads with 100-row batches and records what it was asked. */
class RecordingDatabase {
  readonly reads: { cursor: unknown; values: unknown[] }[] = [];
  /** How many reads had been started when each batch's changes were applied. */
  readonly readsAtApply: number[] = [];
  failNextRead = false;

  readBatch(_pool: Pool, read: SqlStatement): Promise<BatchRow> {
    // The cursor is the parameter the key is compared with (absent on the first batch).
    const position = /t\."id" > \$(\d+)::bigint/.exec(read.text)?.[1];
    const cursor = position ? read.values[Number(position) - 1] : null;
    this.reads.push({ cursor, values: read.values });
    if (this.failNextRead) {
      this.failNextRead = false;
      return Promise.reject(new Error('read failed'));
    }
    const first = cursor === null ? 1 : Number(cursor) + 1;
    return Promise.resolve({
      scanned: 100,
      due_deleted: 10,
      due_anonymised: 0,
      held: 0,
      undated: 0,
      kept: [],
      first_key: [String(first)],
      last_key: [String(first + 99)],
    });
  }

  applyBatch(_pool: Pool, _batch: unknown, row: BatchRow): Promise<BatchOutcome> {
    this.readsAtApply.push(this.reads.length);
    return Promise.resolve({
      scanned: row.scanned,
      deleted: row.due_deleted ?? 0,
      anonymised: 0,
      held: 0,
      undated: 0,
      kept: {},
      firstKey: row.first_key,
      lastKey: row.last_key,
      sample: [],
      customerXid: '1',
      durationMs: 1,
    });
  }

  dryRunBatch(): Promise<BatchOutcome> {
    return this.applyBatch(null as never, null, {
      scanned: 0,
      held: 0,
      undated: 0,
      first_key: null,
      last_key: null,
    });
  }
}

/** Exposes the batch the loop asks for (runBatch), without the ledger. */
class ProbedPurge extends PostgresDatasetPurge {
  batch(request: BatchRequest, preparation?: BatchPreparation): Promise<BatchOutcome> {
    return this.runBatch(request, preparation);
  }
}

const preparation: BatchPreparation = {
  begin: () => undefined,
  complete: () => Promise.resolve(),
  abandon: () => Promise.resolve(),
};

function purge(db: RecordingDatabase, dryRun = false): ProbedPurge {
  const rule = buildDatasetRule(customersPlan(), customerPurposes);
  return new ProbedPurge(
    {
      run: { id: 'run-1', dryRun } as RetentionRunEntity,
      rd: { id: 'rd-1' } as RetentionRunDatasetEntity,
      rule,
      inputs: purgeInputs(),
      exemptions: [],
      settle: () => Promise.resolve('settled'),
      table: customersTable,
      pool: {} as Pool,
      settings: { lockTimeoutMs: 1000, statementTimeoutMs: 5000 },
    },
    db as unknown as PostgresCustomerDatabase,
    {} as never,
    {} as never,
    {} as never,
  );
}

const request = (cursor: string[] | null, inputs: PurgeInputs): BatchRequest => ({
  seq: 1,
  cursor,
  inputs,
  sampleSize: 0,
});

describe('PostgresDatasetPurge read ahead', () => {
  it("starts the next batch's read, after this batch's last key, before this batch's changes", async () => {
    const db = new RecordingDatabase();
    const p = purge(db);
    const inputs = purgeInputs();
    const first = await p.batch(request(null, inputs), preparation);
    expect(first.lastKey).toEqual(['100']);
    expect(db.readsAtApply).toEqual([2]);
    expect(db.reads.map((r) => r.cursor)).toEqual([null, '100']);
  });

  it('uses the read started ahead for the next batch: one read per batch, not two', async () => {
    const db = new RecordingDatabase();
    const p = purge(db);
    const inputs = purgeInputs();
    await p.batch(request(null, inputs), preparation);
    const second = await p.batch(request(['100'], inputs), preparation);
    expect(second.firstKey).toEqual(['101']);
    // Batch 1, batch 2 (read ahead) and batch 3's read ahead.
    expect(db.reads.map((r) => r.cursor)).toEqual([null, '100', '200']);
  });

  it('reads again when the holds changed since the read ahead (new inputs)', async () => {
    const db = new RecordingDatabase();
    const p = purge(db);
    await p.batch(request(null, purgeInputs()), preparation);
    const widened = purgeInputs({ heldSubjects: ['cust-7'] });
    await p.batch(request(['100'], widened), preparation);
    expect(db.reads.map((r) => r.cursor)).toEqual([null, '100', '100', '200']);
    expect(db.reads[2].values).toEqual(expect.arrayContaining([['cust-7']]));
  });

  it('reads again when the batch asked for is not the one read ahead (a batch redone)', async () => {
    const db = new RecordingDatabase();
    const p = purge(db);
    const inputs = purgeInputs();
    await p.batch(request(null, inputs), preparation);
    await p.batch(request(null, inputs), preparation);
    expect(db.reads.map((r) => r.cursor)).toEqual([null, '100', null, '100']);
  });

  it('fails the batch whose read ahead failed, and its retry reads afresh', async () => {
    const db = new RecordingDatabase();
    const p = purge(db);
    const inputs = purgeInputs();
    await p.batch(request(null, inputs), preparation);
    db.failNextRead = true;
    await p.batch(request(['100'], inputs), preparation);
    // The read ahead started by batch 2 fails: batch 3 fails with it, then reads again.
    await expect(p.batch(request(['200'], inputs), preparation)).rejects.toThrow('read failed');
    const retried = await p.batch(request(['200'], inputs), preparation);
    expect(retried.firstKey).toEqual(['201']);
    expect(db.reads.map((r) => r.cursor)).toEqual([null, '100', '200', '200', '300']);
  });

  it('reads nothing ahead on a dry run', async () => {
    const db = new RecordingDatabase();
    await purge(db, true).batch(request(null, purgeInputs()));
    expect(db.reads).toEqual([]);
  });
});
