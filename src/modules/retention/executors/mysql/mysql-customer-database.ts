import { createHash } from 'node:crypto';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { createPool, Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { MYSQL_SESSION_INIT, mysqlPoolOptions } from '../../../../common/mysql/mysql-connection';
import type { BatchPreparation } from '../batched-dataset-purge';
import type { BatchOutcome, CustomerXactStatus } from '../../ledger/purge-batch-ledger';
import { applyArchiveCounts, runMysqlArchiveStep } from './mysql-archive-batch';
import {
  BatchCountsRow,
  batchReadFromCounts,
  FlagRow,
  MysqlBatchRead,
  summariseBatchRows,
} from './mysql-batch-read';
import type { MysqlArchiveBatch, MysqlPurgeBatch } from './mysql-purge-sql';
import {
  MysqlColumnFacts,
  MysqlStatement,
  MysqlTableFacts,
  quoteMysqlIdentifier,
  ReferencingConstraint,
} from './mysql-sql-builder';

export interface MysqlBatchSettings {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

/** One customer database: its pool, its flavour, the database its ledger lives in. */
export interface MysqlTarget {
  pool: Pool;
  /** The connection string's database: where Finalité's ledger table is. */
  database: string;
  mariadb: boolean | null;
}

/** Finalité's table in the customer database (ADR 0049, docs/retention-mysql.md). */
export const LEDGER_TABLE = 'finalite_purge_ledger';

/** The ledger's DDL, as documented (docs/retention-mysql.md): created once, if missing. */
export function ledgerDdl(database: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteMysqlIdentifier(database)}.${quoteMysqlIdentifier(LEDGER_TABLE)} (
  batch_token CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  run_dataset_id CHAR(36) CHARACTER SET ascii NOT NULL,
  seq INT NOT NULL,
  committed_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY finalite_purge_ledger_dataset (run_dataset_id, seq)
) ENGINE = InnoDB`;
}

/** The ledger could not be created or used: the dataset is refused with this reason. */
export class MysqlLedgerUnavailable extends Error {}

/**
 * The mysql executor's access to customer databases (MySQL 8, MariaDB 10.6+): a small pool per
 * database, the catalogue check of a dataset, the ledger, and one short InnoDB transaction per
 * batch. The connection string comes decrypted from the inventory and is never logged.
 */
@Injectable()
export class MysqlCustomerDatabase implements OnModuleDestroy {
  private readonly targets = new Map<string, MysqlTarget>();

  target(connectionString: string): MysqlTarget {
    const key = createHash('sha256').update(connectionString).digest('hex');
    let target = this.targets.get(key);
    if (!target) {
      // Two connections per purge (its batch, the next batch's read ahead), two purges at once.
      const options = mysqlPoolOptions(connectionString, 4);
      const pool = createPool(options);
      // Every new connection reads and writes dates in UTC (the pool's options read them so);
      // queued before anything else the connection runs.
      pool.on('connection', (connection) => {
        void connection.query(MYSQL_SESSION_INIT);
      });
      target = { pool, database: options.database!, mariadb: null };
      this.targets.set(key, target);
    }
    return target;
  }

  private async flavour(target: MysqlTarget): Promise<boolean> {
    if (target.mariadb === null) {
      const [rows] = await target.pool.query<RowDataPacket[]>('SELECT VERSION() AS v');
      target.mariadb = /mariadb/i.test(String(rows[0]?.v ?? ''));
    }
    return target.mariadb;
  }

  /** The table as information_schema describes it (null: no such table visible). */
  async inspect(target: MysqlTarget, schema: string, table: string): Promise<MysqlTableFacts | null> {
    const [tables] = await target.pool.execute<RowDataPacket[]>(
      `SELECT ENGINE AS engine FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND TABLE_TYPE = 'BASE TABLE'`,
      [schema, table],
    );
    if (tables.length === 0) return null;
    const [columns] = await target.pool.execute<RowDataPacket[]>(
      `SELECT COLUMN_NAME AS name, LOWER(DATA_TYPE) AS data_type, LOWER(COLUMN_TYPE) AS column_type,
              CHARACTER_MAXIMUM_LENGTH AS max_length, IS_NULLABLE AS nullable
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
        ORDER BY ORDINAL_POSITION`,
      [schema, table],
    );
    const [pk] = await target.pool.execute<RowDataPacket[]>(
      `SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY'
        ORDER BY ORDINAL_POSITION`,
      [schema, table],
    );
    // Every foreign key pointing at this table, from any database of the server (grouped by
    // constraint; its columns in key order). InnoDB indexes the referencing columns, so each
    // EXISTS the batches test is an index lookup.
    const [fks] = await target.pool.execute<RowDataPacket[]>(
      `SELECT k.CONSTRAINT_NAME AS name, k.TABLE_SCHEMA AS sch, k.TABLE_NAME AS tbl,
              k.COLUMN_NAME AS col, k.REFERENCED_COLUMN_NAME AS ref_col
         FROM information_schema.KEY_COLUMN_USAGE k
         JOIN information_schema.REFERENTIAL_CONSTRAINTS rc
           ON rc.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND rc.CONSTRAINT_NAME = k.CONSTRAINT_NAME
          AND rc.TABLE_NAME = k.TABLE_NAME
        WHERE k.REFERENCED_TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME = ?
        ORDER BY k.CONSTRAINT_NAME, k.TABLE_SCHEMA, k.TABLE_NAME, k.ORDINAL_POSITION`,
      [schema, table],
    );
    const referencedBy = new Map<string, ReferencingConstraint>();
    for (const r of fks) {
      const id = `${String(r.sch)}.${String(r.tbl)}.${String(r.name)}`;
      let c = referencedBy.get(id);
      if (!c) {
        c = {
          name: String(r.name),
          schema: String(r.sch),
          table: String(r.tbl),
          columns: [],
          refColumns: [],
        };
        referencedBy.set(id, c);
      }
      c.columns.push(String(r.col));
      c.refColumns.push(String(r.ref_col));
    }
    return {
      engine: tables[0].engine ? String(tables[0].engine) : null,
      referencedBy: [...referencedBy.values()],
      primaryKey: pk.map((r) => String(r.name)),
      columns: new Map(
        columns.map((c): [string, MysqlColumnFacts] => [
          String(c.name),
          {
            name: String(c.name),
            dataType: String(c.data_type),
            columnType: String(c.column_type),
            maxLength: c.max_length === null ? null : Number(c.max_length),
            nullable: c.nullable === 'YES',
          },
        ]),
      ),
    };
  }

  /**
   * Creates Finalité's ledger table when missing (DDL commits implicitly: never inside a batch).
   * Throws MysqlLedgerUnavailable with the reason when it cannot (no CREATE privilege…).
   */
  async ensureLedger(target: MysqlTarget): Promise<void> {
    try {
      await target.pool.query(ledgerDdl(target.database));
      // Written by the batches: INSERT and DELETE must be allowed too (checked by a no-op).
      await target.pool.query(
        `DELETE FROM ${quoteMysqlIdentifier(target.database)}.${quoteMysqlIdentifier(LEDGER_TABLE)} WHERE 1 = 0`,
      );
    } catch (err) {
      const e = err as { code?: string };
      throw new MysqlLedgerUnavailable(
        `Finalité's ledger table ${target.database}.${LEDGER_TABLE} cannot be created or written (${e.code ?? 'error'}): ` +
          `grant CREATE, SELECT, INSERT and DELETE on it, or create it as docs/retention-mysql.md shows`,
      );
    }
  }

  /**
   * Sets the batch's lock wait and statement timeouts on its connection (integers, checked) and
   * READ COMMITTED, in one round trip: the isolation level is the session's (MariaDB names it
   * `tx_isolation` before 11.1, MySQL 8 `transaction_isolation`), which suits every use of these
   * pools (batches, the ledger's locking read, single-statement reads).
   */
  private async applyTimeouts(
    c: PoolConnection,
    mariadb: boolean,
    settings: MysqlBatchSettings,
  ): Promise<void> {
    const lockSeconds = Math.max(1, Math.ceil(checked(settings.lockTimeoutMs) / 1000));
    const statement = checked(settings.statementTimeoutMs);
    await c.query(
      `SET SESSION innodb_lock_wait_timeout = ${lockSeconds}, ` +
        (mariadb
          ? `SESSION max_statement_time = ${(statement / 1000).toFixed(3)}, SESSION tx_isolation = 'READ-COMMITTED'`
          : `SESSION max_execution_time = ${statement}, SESSION transaction_isolation = 'READ-COMMITTED'`),
    );
  }

  /**
   * A purge batch's read ahead of its transaction (ADR 0034 "Read ahead"), in a READ ONLY
   * transaction of its own (a consistent read: it locks nothing) on another connection of the pool.
   */
  async readBatch(
    target: MysqlTarget,
    read: MysqlPurgeBatch['read'],
    keptLabels: string[],
    settings: MysqlBatchSettings,
  ): Promise<MysqlBatchRead> {
    if (read.counted) {
      const [row] = await this.query<BatchCountsRow>(target, read, settings);
      return batchReadFromCounts(row, keptLabels);
    }
    return summariseBatchRows(await this.query<FlagRow>(target, read, settings), keptLabels, 0);
  }

  /**
   * One batch in its own short InnoDB transaction (READ COMMITTED): the read, then (purge) the
   * changes over the key range it returned, counted by affected rows, and the ledger row — in the
   * same transaction, so that it exists if and only if the batch committed (ADR 0049). For a
   * purge, the ledger's preparation begins once the read has found work (the previous batch is
   * recorded while the changes run) and completes before COMMIT (the batch prepared in Finalité,
   * with the ledger token). A dry run is READ ONLY and changes nothing.
   */
  async runBatch(
    target: MysqlTarget,
    batch: {
      read: MysqlStatement;
      keptLabels: string[];
      changes?: MysqlPurgeBatch['changes'];
      archive?: MysqlArchiveBatch;
    },
    options: {
      dryRun: boolean;
      settings: MysqlBatchSettings;
      ledger?: { token: string; runDatasetId: string; seq: number };
      sampleSize: number;
      /** The batch as read ahead (a purge); absent, the batch is read in its transaction. */
      read?: MysqlBatchRead;
    },
    preparation?: BatchPreparation,
  ): Promise<BatchOutcome> {
    const mariadb = await this.flavour(target);
    const c = await target.pool.getConnection();
    let started = 0;
    try {
      await this.applyTimeouts(c, mariadb, options.settings);
      started = performance.now();
      await c.query(options.dryRun ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION');
      // A purge's batch was read ahead, outside this transaction (ADR 0034 "Read ahead").
      const read =
        options.read ??
        summariseBatchRows(
          (await c.execute<FlagRow[]>(batch.read.text, batch.read.values))[0],
          batch.keptLabels,
          options.sampleSize,
        );
      const { firstKey, lastKey, dueDeleted, dueAnonymised, kept } = read;
      if (read.scanned > 0) preparation?.begin();
      // The intermediate archive (ADR 0052) before the DELETE and UPDATE: the expiry, then the
      // copy of the values they are about to remove.
      const archived = batch.archive
        ? await runMysqlArchiveStep(c, batch.archive, {
            dryRun: options.dryRun,
            firstKey,
            lastKey,
            due: { deleted: dueDeleted, anonymised: dueAnonymised },
          })
        : null;
      if (archived) applyArchiveCounts(kept, archived, options.dryRun);
      // A purge goes on while archived rows expire, even past the active table's end.
      const archiveDue = options.dryRun ? 0 : (archived?.due ?? 0);
      const changed = { deleted: 0, anonymised: 0 };
      if (options.dryRun) {
        changed.deleted = dueDeleted;
        changed.anonymised = dueAnonymised;
      } else if (batch.changes && firstKey && lastKey) {
        for (const change of batch.changes(firstKey, lastKey, {
          deleted: dueDeleted,
          anonymised: dueAnonymised,
        })) {
          const [result] = await c.execute<ResultSetHeader>(change.statement.text, change.statement.values);
          changed[change.kind] += result.affectedRows ?? 0;
        }
      }
      const ledger = options.ledger;
      if (!options.dryRun && (read.scanned > 0 || archiveDue > 0)) {
        if (!ledger) throw new Error('A purge batch needs its ledger row');
        const table = `${quoteMysqlIdentifier(target.database)}.${quoteMysqlIdentifier(LEDGER_TABLE)}`;
        await c.execute(`INSERT INTO ${table} (batch_token, run_dataset_id, seq) VALUES (?, ?, ?)`, [
          ledger.token,
          ledger.runDatasetId,
          ledger.seq,
        ]);
        // The dataset's earlier rows are settled once this commits (the previous batch is
        // recorded by the preparation below, before COMMIT): one row per running dataset.
        await c.execute(`DELETE FROM ${table} WHERE run_dataset_id = ? AND seq < ?`, [
          ledger.runDatasetId,
          ledger.seq,
        ]);
      }
      const outcome: BatchOutcome = {
        scanned: read.scanned,
        deleted: changed.deleted,
        anonymised: changed.anonymised,
        held: read.held,
        undated: read.undated,
        // Rows kept per reason (referenced, NOT NULL field), as read: ADR 0051.
        kept,
        firstKey,
        lastKey,
        sample: options.dryRun ? read.sample : [],
        customerXid: options.dryRun ? null : (ledger?.token ?? null),
        durationMs: 0,
        archiveDue,
        archive: archived?.ledger ?? null,
      };
      if (preparation && (outcome.scanned > 0 || archiveDue > 0)) {
        outcome.durationMs = Math.round(performance.now() - started);
        await preparation.complete(outcome);
      }
      await c.query('COMMIT');
      outcome.durationMs = Math.round(performance.now() - started);
      return outcome;
    } catch (e) {
      await preparation?.abandon();
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  /**
   * The fate of a batch from its ledger row: there (committed), absent (rolled back, or never
   * written), or locked by its still-open transaction (a dead worker's connection not yet
   * reaped: `in progress`). A locking read under READ COMMITTED waits on the row an open
   * transaction inserted; a 1 s lock wait timeout says it is still open.
   */
  async batchStatus(target: MysqlTarget, token: string): Promise<CustomerXactStatus> {
    const c = await target.pool.getConnection();
    try {
      await c.query('SET SESSION innodb_lock_wait_timeout = 1');
      await c.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await c.query('START TRANSACTION');
      try {
        const [rows] = await c.execute<RowDataPacket[]>(
          `SELECT 1 AS found FROM ${quoteMysqlIdentifier(target.database)}.${quoteMysqlIdentifier(LEDGER_TABLE)}
            WHERE batch_token = ? FOR UPDATE`,
          [token],
        );
        return rows.length > 0 ? 'committed' : 'aborted';
      } catch (err) {
        if ((err as { code?: string }).code === 'ER_LOCK_WAIT_TIMEOUT') return 'in progress';
        if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE') return null;
        throw err;
      } finally {
        await c.query('ROLLBACK').catch(() => undefined);
      }
    } finally {
      c.release();
    }
  }

  /** A read-only statement with the statement timeout (subject values, overdue count, batch read). */
  async query<T extends RowDataPacket>(
    target: MysqlTarget,
    statement: MysqlStatement,
    settings: MysqlBatchSettings,
  ): Promise<T[]> {
    const mariadb = await this.flavour(target);
    const c = await target.pool.getConnection();
    try {
      await this.applyTimeouts(c, mariadb, settings);
      await c.query('START TRANSACTION READ ONLY');
      const [rows] = await c.execute<T[]>(statement.text, statement.values);
      await c.query('COMMIT');
      return rows;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async onModuleDestroy(): Promise<void> {
    const targets = [...this.targets.values()];
    this.targets.clear();
    await Promise.allSettled(targets.map((t) => t.pool.end()));
  }
}

function checked(ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new Error(`Invalid timeout ${String(ms)}`);
  return ms;
}
