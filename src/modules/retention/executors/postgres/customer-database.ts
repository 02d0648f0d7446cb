import { createHash } from 'node:crypto';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Pool, PoolClient, QueryResult } from 'pg';
import type { BatchPreparation } from '../batched-dataset-purge';
import type { ArchiveLedger, BatchOutcome, CustomerXactStatus } from '../../ledger/purge-batch-ledger';
import { ARCHIVE_EXPIRED, ARCHIVE_MOVED } from './archive-sql';
import type { PurgeBatch } from './purge-batch-sql';
import type { ColumnFacts, ReferencingConstraint, SqlStatement, TableFacts } from './sql-builder';

export interface BatchSettings {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

export interface BatchRow {
  scanned: number;
  /** Dry run: what would be deleted / anonymised. */
  deleted?: number;
  anonymised?: number;
  /** Purge read: rows due for deletion / anonymisation as read (decides which changes run). */
  due_deleted?: number;
  due_anonymised?: number;
  held: number;
  undated: number;
  /** Counts of rows kept, in the order of the batch's keptLabels (ADR 0051). */
  kept?: number[];
  first_key: string[] | null;
  last_key: string[] | null;
  sample?: string[][];
  /** Archived rows whose phase is over (ADR 0052): at most a batch (purge), all (dry run). */
  archive_due?: number;
}

/**
 * The `postgres` executor's access to customer databases: a small pool per database, the
 * catalogue check of a dataset, and one short transaction per batch. The connection string
 * comes decrypted from the inventory and is never logged.
 */
@Injectable()
export class PostgresCustomerDatabase implements OnModuleDestroy {
  private readonly pools = new Map<string, Pool>();

  pool(connectionString: string): Pool {
    const key = createHash('sha256').update(connectionString).digest('hex');
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Pool({
        connectionString,
        // A purge uses two connections (its batch, the next batch's read ahead): room for two
        // purges of one database at once without one waiting on the other's connections.
        max: 4,
        idleTimeoutMillis: 10_000,
        connectionTimeoutMillis: 5_000,
        application_name: 'finalite-retention',
      });
      pool.on('error', () => undefined); // an idle client's failure surfaces on the next batch
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** The table as the customer database describes it (null: no such table visible). */
  async inspect(pool: Pool, schema: string, table: string): Promise<TableFacts | null> {
    const columns = await pool.query<{
      column_name: string;
      data_type: string;
      character_maximum_length: number | null;
      is_nullable: string;
    }>(
      `SELECT column_name, data_type, character_maximum_length, is_nullable
         FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2
        ORDER BY ordinal_position`,
      [schema, table],
    );
    if (columns.rows.length === 0) return null;
    const pk = await pool.query<{ column_name: string }>(
      `SELECT kcu.column_name
         FROM information_schema.table_constraints tc
         JOIN information_schema.key_column_usage kcu
           ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name
          AND kcu.table_name = tc.table_name
        WHERE tc.table_schema = $1 AND tc.table_name = $2 AND tc.constraint_type = 'PRIMARY KEY'
        ORDER BY kcu.ordinal_position`,
      [schema, table],
    );
    // Top-level constraints only (conparentid = 0): a partitioned referencing table's constraint
    // is cloned on each partition, and one EXISTS on the parent covers them all.
    const refs = await pool.query<ReferencingConstraint>(
      `SELECT con.conname::text AS name, ns.nspname::text AS schema, cl.relname::text AS table,
              (SELECT array_agg(a.attname::text ORDER BY k.ord)
                 FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
              (SELECT array_agg(a.attname::text ORDER BY k.ord)
                 FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS "refColumns"
         FROM pg_constraint con
         JOIN pg_class cl ON cl.oid = con.conrelid
         JOIN pg_namespace ns ON ns.oid = cl.relnamespace
        WHERE con.contype = 'f' AND con.conparentid = 0
          AND con.confrelid = (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                WHERE n.nspname = $1 AND c.relname = $2)
        ORDER BY con.conname, ns.nspname, cl.relname`,
      [schema, table],
    );
    return {
      referencedBy: refs.rows,
      primaryKey: pk.rows.map((r) => r.column_name),
      columns: new Map(
        columns.rows.map((c): [string, ColumnFacts] => [
          c.column_name,
          {
            name: c.column_name,
            dataType: c.data_type,
            maxLength: c.character_maximum_length,
            nullable: c.is_nullable === 'YES',
          },
        ]),
      ),
    };
  }

  /**
   * A batch's read in its own short READ ONLY transaction (with the batch's timeouts). A purge
   * reads ahead: batch N+1's read runs on another connection of the pool while batch N's changes run
   * (PostgresDatasetPurge, ADR 0034 "Read ahead"); a dry run's batch is this read alone.
   */
  async readBatch(pool: Pool, read: SqlStatement, settings: BatchSettings): Promise<BatchRow> {
    const client = await pool.connect();
    try {
      await client.query(`BEGIN READ ONLY; ${localTimeouts(settings)}`);
      const row = (await client.query<BatchRow>(read.text, read.values)).rows[0];
      await client.query('COMMIT');
      return row;
    } catch (e) {
      await rollbackQuietly(client);
      throw e;
    } finally {
      client.release();
    }
  }

  /** A dry run's batch: what a purge would do, read only, with a sample of the row keys. */
  async dryRunBatch(
    pool: Pool,
    read: SqlStatement & { keptLabels: string[] },
    settings: BatchSettings,
  ): Promise<BatchOutcome> {
    const started = performance.now();
    const row = await this.readBatch(pool, read, settings);
    const kept = keptByLabel(read.keptLabels, row.kept ?? []);
    setCount(kept, ARCHIVE_EXPIRED, row.archive_due ?? 0);
    return {
      ...readCounts(row, kept),
      deleted: row.deleted ?? 0,
      anonymised: row.anonymised ?? 0,
      sample: row.sample ?? [],
      customerXid: null,
      durationMs: Math.round(performance.now() - started),
      archiveDue: 0,
      archive: null,
    };
  }

  /**
   * Applies one purge batch, read beforehand (`row`), in its own short transaction: the changes
   * over the key range the read returned, counted by affected rows. The ledger's preparation
   * begins with the transaction (the previous batch is recorded while the changes run) and
   * completes before COMMIT (the batch prepared, with this transaction's id). A read that found
   * nothing (no rows after the cursor, no archived row due) opens no transaction.
   */
  async applyBatch(
    pool: Pool,
    batch: Pick<PurgeBatch, 'changes' | 'cleared' | 'keptLabels'> & { archivePurposeIds: string[] },
    row: BatchRow,
    settings: BatchSettings,
    preparation: BatchPreparation,
  ): Promise<BatchOutcome> {
    const kept = keptByLabel(batch.keptLabels, row.kept ?? []);
    const archiveDue = row.archive_due ?? 0;
    const hasKeys = row.scanned > 0 && !!row.first_key && !!row.last_key;
    const outcome: BatchOutcome = {
      ...readCounts(row, kept),
      deleted: 0,
      anonymised: 0,
      sample: [],
      customerXid: null,
      durationMs: 0,
      archiveDue,
      archive: null,
    };
    if (row.scanned === 0 && archiveDue === 0) return outcome;
    const client = await pool.connect();
    try {
      const started = performance.now();
      // One round trip opens the transaction, sets its local timeouts (integers from the
      // configuration, checked) and returns its id, by which the ledger learns its fate.
      const opened = await client.query(
        `BEGIN; ${localTimeouts(settings)}; SELECT txid_current()::text AS xid`,
      );
      const xid = lastRows<{ xid: string }>(opened)[0]?.xid;
      if (!xid) throw new Error('The purge transaction did not return its id');
      outcome.customerXid = xid;
      preparation.begin();
      if (batch.changes && (hasKeys || archiveDue > 0)) {
        const due = { deleted: row.due_deleted ?? 0, anonymised: row.due_anonymised ?? 0, archiveDue };
        const changes = batch.changes(hasKeys ? row.first_key : null, hasKeys ? row.last_key : null, due);
        outcome.archive = await this.runChanges(client, changes, batch, outcome);
      }
      outcome.durationMs = Math.round(performance.now() - started);
      await preparation.complete(outcome);
      await client.query('COMMIT');
      outcome.durationMs = Math.round(performance.now() - started);
      return outcome;
    } catch (e) {
      await preparation.abandon();
      await rollbackQuietly(client);
      throw e;
    } finally {
      client.release();
    }
  }

  /** Runs a batch's changes, adding what they changed to `outcome`; its archive moves, if any. */
  private async runChanges(
    client: PoolClient,
    changes: ReturnType<PurgeBatch['changes']>,
    batch: Pick<PurgeBatch, 'cleared'> & { archivePurposeIds: string[] },
    outcome: BatchOutcome,
  ): Promise<ArchiveLedger | null> {
    const moves = { moved: 0, expired: 0 };
    const archive: ArchiveLedger = { purposeIds: batch.archivePurposeIds, moved: [], cleared: [] };
    const expiredSubjects = new Set<string>();
    for (const change of changes) {
      const result = await client.query<ArchiveReturned>(change.statement.text, change.statement.values);
      if (change.kind === 'archived') {
        // Counted by the rows the INSERT wrote (ADR 0052), as deletes are by affected rows.
        moves.moved += result.rowCount ?? 0;
        for (const r of result.rows) {
          if (r.subject === null) continue;
          archive.moved.push({
            subject: r.subject,
            activeEndedAt: new Date(r.active_ended_at!).toISOString(),
            archiveUntil: new Date(r.archive_until!).toISOString(),
          });
        }
      } else if (change.kind === 'archiveExpired') {
        moves.expired += result.rowCount ?? 0;
        for (const r of result.rows) if (r.subject !== null) expiredSubjects.add(r.subject);
      } else {
        outcome[change.kind] += result.rowCount ?? 0;
      }
    }
    if (expiredSubjects.size && batch.cleared) {
      const left = batch.cleared([...expiredSubjects]);
      archive.cleared = (await client.query<{ subject: string }>(left.text, left.values)).rows.map(
        (r) => r.subject,
      );
    }
    setCount(outcome.kept, ARCHIVE_MOVED, moves.moved);
    setCount(outcome.kept, ARCHIVE_EXPIRED, moves.expired);
    return archive.moved.length || archive.cleared.length ? archive : null;
  }

  /** The fate of a customer transaction (NULL when too old for the commit log). */
  async transactionStatus(pool: Pool, xid: string): Promise<CustomerXactStatus> {
    const r = await pool.query<{ status: CustomerXactStatus }>(`SELECT txid_status($1::bigint) AS status`, [
      xid,
    ]);
    return r.rows[0]?.status ?? null;
  }

  async query<T extends object>(pool: Pool, statement: SqlStatement, settings: BatchSettings): Promise<T[]> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN READ ONLY');
      await client.query(`SELECT set_config('statement_timeout', $1, true)`, [
        `${settings.statementTimeoutMs}ms`,
      ]);
      const result = await client.query<T>(statement.text, statement.values);
      await client.query('COMMIT');
      return result.rows;
    } catch (e) {
      await rollbackQuietly(client);
      throw e;
    } finally {
      client.release();
    }
  }

  async onModuleDestroy(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map((p) => p.end()));
  }
}

/** What the archive statements return per row (ADR 0052). */
interface ArchiveReturned {
  subject: string | null;
  active_ended_at?: Date | string;
  archive_until?: Date | string;
}

/** Sets (or, for 0, removes) one count of the batch's per-reason map. */
function setCount(kept: Record<string, number>, label: string, n: number): void {
  if (n > 0) kept[label] = n;
  else delete kept[label];
}

/** The batch's kept counts by reason, leaving out the reasons it kept nothing for. */
function keptByLabel(labels: string[], counts: number[]): Record<string, number> {
  const kept: Record<string, number> = {};
  labels.forEach((label, i) => {
    if (counts[i] > 0) kept[label] = counts[i];
  });
  return kept;
}

/** What a batch's read tells, as the outcome reports it (the batch as read; ADR 0034). */
function readCounts(
  row: BatchRow,
  kept: Record<string, number>,
): Pick<BatchOutcome, 'scanned' | 'held' | 'undated' | 'kept' | 'firstKey' | 'lastKey'> {
  return {
    scanned: row.scanned,
    held: row.held,
    undated: row.undated,
    kept,
    firstKey: row.first_key,
    lastKey: row.last_key,
  };
}

/** The batch's local timeouts: one round trip with the BEGIN. */
function localTimeouts(settings: BatchSettings): string {
  return (
    `SET LOCAL lock_timeout = ${milliseconds(settings.lockTimeoutMs)}; ` +
    `SET LOCAL statement_timeout = ${milliseconds(settings.statementTimeoutMs)}`
  );
}

/** The rows of the last statement of a multi-statement query (pg returns one result each). */
function lastRows<T>(result: QueryResult | QueryResult[]): T[] {
  const results = Array.isArray(result) ? result : [result];
  return results[results.length - 1].rows as T[];
}

/** A timeout setting as a literal: a non-negative integer, or a refusal (never SQL text). */
function milliseconds(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`Invalid timeout ${String(value)}`);
  return `'${value}ms'`;
}

async function rollbackQuietly(client: PoolClient): Promise<void> {
  try {
    await client.query('ROLLBACK');
  } catch {
    // the connection is gone: the server rolls the transaction back by itself
  }
}
