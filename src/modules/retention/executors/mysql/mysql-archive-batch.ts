import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { ArchiveLedger } from '../../ledger/purge-batch-ledger';
import { ARCHIVE_EXPIRED, ARCHIVE_MOVED } from '../postgres/archive-sql';
import type { MysqlArchiveBatch } from './mysql-purge-sql';

/** What a batch's archive statements did (or, in a dry run, found). */
export interface MysqlArchiveStep {
  /** Expired archived rows as counted before the expiry (a purge goes on while > 0). */
  due: number;
  moved: number;
  expired: number;
  /** The moves and clears for subject_archive_phase (null: none). */
  ledger: ArchiveLedger | null;
}

interface LockedRow extends RowDataPacket {
  subject: string | null;
  active_ended_at?: Date | string | null;
  archive_until?: Date | string | null;
}

/**
 * Runs a batch's archive statements on its connection, inside its InnoDB transaction and before
 * its DELETE and UPDATE (ADR 0052, as customer-database.ts does on PostgreSQL): the count of
 * expired archived rows, then (purge) their expiry, then the move of the rows the batch is about
 * to change. Each write follows a locking read of the same rows, which gives the subjects and
 * dates the ledger records (MySQL has no RETURNING); counts are those rows, so the moves, the
 * deletes and the ledger agree. A dry run only counts (its moves come from the read's flags).
 */
export async function runMysqlArchiveStep(
  c: PoolConnection,
  archive: MysqlArchiveBatch,
  batch: {
    dryRun: boolean;
    firstKey: string[] | null;
    lastKey: string[] | null;
    due: { deleted: number; anonymised: number };
  },
): Promise<MysqlArchiveStep> {
  let due = 0;
  if (archive.dueCount) {
    const [rows] = await c.execute<RowDataPacket[]>(archive.dueCount.text, archive.dueCount.values);
    due = Number(rows[0]?.n ?? 0);
  }
  const step: MysqlArchiveStep = { due, moved: 0, expired: 0, ledger: null };
  if (batch.dryRun) return step;
  const ledger: ArchiveLedger = { purposeIds: archive.purposeIds, moved: [], cleared: [] };
  const expiredSubjects = new Set<string>();
  if (due > 0 && archive.expiry) {
    // The expired rows first: a subject cleared here may be moved again below.
    const [locked] = await c.execute<LockedRow[]>(archive.expiry.lock.text, archive.expiry.lock.values);
    for (const r of locked) if (r.subject !== null) expiredSubjects.add(String(r.subject));
    const [removed] = await c.execute<ResultSetHeader>(
      archive.expiry.remove.text,
      archive.expiry.remove.values,
    );
    step.expired = removed.affectedRows ?? 0;
  }
  if (
    archive.move &&
    batch.firstKey &&
    batch.lastKey &&
    (batch.due.deleted > 0 || batch.due.anonymised > 0)
  ) {
    const move = archive.move(batch.firstKey, batch.lastKey);
    const [locked] = await c.execute<LockedRow[]>(move.lock.text, move.lock.values);
    if (locked.length > 0) {
      // affectedRows of an upsert counts an update twice: the rows locked are the rows copied.
      await c.execute<ResultSetHeader>(move.insert.text, move.insert.values);
      step.moved = locked.length;
      for (const r of locked) {
        if (r.subject === null) continue;
        ledger.moved.push({
          subject: String(r.subject),
          activeEndedAt: isoOf(r.active_ended_at),
          archiveUntil: isoOf(r.archive_until),
        });
      }
    }
  }
  if (expiredSubjects.size && archive.remaining) {
    const left = archive.remaining([...expiredSubjects]);
    const [rows] = await c.execute<LockedRow[]>(left.text, left.values);
    const still = new Set(rows.map((r) => String(r.subject)));
    ledger.cleared = [...expiredSubjects].filter((s) => !still.has(s));
  }
  step.ledger = ledger.moved.length || ledger.cleared.length ? ledger : null;
  return step;
}

/** The batch's archive counts, kept with its per-reason counts (the guarded ledger write records them). */
export function applyArchiveCounts(
  kept: Record<string, number>,
  step: MysqlArchiveStep,
  dryRun: boolean,
): void {
  if (dryRun) {
    setCount(kept, ARCHIVE_EXPIRED, step.due);
    return;
  }
  setCount(kept, ARCHIVE_MOVED, step.moved);
  setCount(kept, ARCHIVE_EXPIRED, step.expired);
}

function setCount(kept: Record<string, number>, label: string, n: number): void {
  if (n > 0) kept[label] = n;
  else delete kept[label];
}

/** A DATETIME read in UTC (the session's time zone) as ISO text. */
function isoOf(v: Date | string | null | undefined): string {
  if (v === null || v === undefined) throw new Error('An archived row has no phase date');
  return (v instanceof Date ? v : new Date(`${v.replace(' ', 'T')}Z`)).toISOString();
}
