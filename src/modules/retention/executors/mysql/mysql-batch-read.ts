import type { RowDataPacket } from 'mysql2/promise';
import type { BatchOutcome } from '../../ledger/purge-batch-ledger';

/** One row of a batch's read: its key (p0, p1…), its flags (0/1) and its kept tests (k0, k1…). */
export interface FlagRow extends RowDataPacket {
  del: number | null;
  anon: number | null;
  held: number | null;
  undated: number | null;
}

/**
 * A mysql batch as its read found it: the outcome's counts, key range and (dry run) sample, and
 * how many rows look due for each change (which statements the batch runs).
 */
export type MysqlBatchRead = Pick<
  BatchOutcome,
  'scanned' | 'held' | 'undated' | 'kept' | 'firstKey' | 'lastKey' | 'sample'
> & { dueDeleted: number; dueAnonymised: number };

const isTrue = (v: unknown) => v !== null && v !== undefined && Number(v) === 1;

const keyOf = (r: FlagRow): string[] =>
  Object.keys(r)
    .filter((k) => /^p\d+$/.test(k))
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    .map((k) => String(r[k]));

/**
 * Counts a batch's read rows (MySQL has no `count(*) FILTER`; the rows come back with their
 * flags and are counted here). `keptLabels` name the k0, k1… columns in order; the sample keeps
 * the keys of the first `sampleSize` rows due.
 */
export function summariseBatchRows(
  rows: FlagRow[],
  keptLabels: string[],
  sampleSize: number,
): MysqlBatchRead {
  const read: MysqlBatchRead = {
    scanned: rows.length,
    dueDeleted: 0,
    dueAnonymised: 0,
    held: 0,
    undated: 0,
    kept: {},
    firstKey: rows.length ? keyOf(rows[0]) : null,
    lastKey: rows.length ? keyOf(rows[rows.length - 1]) : null,
    sample: [],
  };
  for (const r of rows) {
    keptLabels.forEach((label, i) => {
      if (isTrue(r[`k${i}`])) read.kept[label] = (read.kept[label] ?? 0) + 1;
    });
    const del = isTrue(r.del);
    const anon = !del && isTrue(r.anon);
    if (del) read.dueDeleted++;
    if (anon) read.dueAnonymised++;
    if (isTrue(r.held)) read.held++;
    if (isTrue(r.undated)) read.undated++;
    if ((del || anon) && read.sample.length < sampleSize) read.sample.push(keyOf(r));
  }
  return read;
}

/** The one row of a batch read counted by the server (mysql-batch-read-sql.ts, batchCounts). */
export interface BatchCountsRow extends RowDataPacket {
  scanned: number | string;
  due_deleted: number | string;
  due_anonymised: number | string;
  held: number | string;
  undated: number | string;
  first_key: string | null;
  last_key: string | null;
}

/** A batch read counted by the server, as the batch works with it (`k<i>` named by keptLabels). */
export function batchReadFromCounts(row: BatchCountsRow, keptLabels: string[]): MysqlBatchRead {
  const kept: Record<string, number> = {};
  keptLabels.forEach((label, i) => {
    const n = Number(row[`k${i}`] ?? 0);
    if (n > 0) kept[label] = n;
  });
  const scanned = Number(row.scanned);
  return {
    scanned,
    dueDeleted: Number(row.due_deleted),
    dueAnonymised: Number(row.due_anonymised),
    held: Number(row.held),
    undated: Number(row.undated),
    kept,
    firstKey: scanned > 0 && row.first_key !== null ? [String(row.first_key)] : null,
    lastKey: scanned > 0 && row.last_key !== null ? [String(row.last_key)] : null,
    sample: [],
  };
}
