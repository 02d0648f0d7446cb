import { Logger } from '@nestjs/common';
import { createConnection } from 'mysql2/promise';
import {
  describeMysqlError,
  MYSQL_SESSION_INIT,
  mysqlConnectionOptions,
} from '../../common/mysql/mysql-connection';
import type { CatalogueColumn } from './catalogue-reader';
import { SystemUnreachable } from './inventory.errors';

const STATEMENT_TIMEOUT_S = 15;

/** The schemas of the server itself, never a customer's data. */
const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

/** Finalité's own ledger table in the customer database (ADR 0049): not the customer's data. */
export const MYSQL_LEDGER_TABLE = 'finalite_purge_ledger';

/**
 * Reads the catalogue of a customer's MySQL or MariaDB database for a scan, from
 * information_schema (base tables only, not views), in a read-only transaction with a statement
 * timeout. A MySQL "schema" is a database: without `schemas`, the connection's own database.
 * `data_type` is the full column type (`varbinary(16)`, `binary(8)`, `tinytext`, `decimal(9,6)`),
 * which the personal-data guess uses besides the name.
 */
export class MysqlCatalogueReader {
  private readonly logger = new Logger(MysqlCatalogueReader.name);

  async read(code: string, connectionString: string, schemas?: string[]): Promise<CatalogueColumn[]> {
    let connection: Awaited<ReturnType<typeof createConnection>> | null = null;
    try {
      const options = mysqlConnectionOptions(connectionString);
      connection = await createConnection(options);
      connection.on('error', (err: { code?: string }) =>
        this.logger.warn({ system: code, code: err.code }, 'scan connection error'),
      );
      await connection.query(MYSQL_SESSION_INIT);
      await setStatementTimeout(connection, STATEMENT_TIMEOUT_S);
      await connection.query('START TRANSACTION READ ONLY');
      const wanted = schemas ?? [options.database!];
      const [rows] = await connection.execute(
        `SELECT c.TABLE_SCHEMA AS table_schema, c.TABLE_NAME AS table_name,
                c.COLUMN_NAME AS column_name, c.COLUMN_TYPE AS data_type,
                c.IS_NULLABLE = 'NO' AS not_null
           FROM information_schema.COLUMNS c
           JOIN information_schema.TABLES t
             ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
          WHERE t.TABLE_TYPE = 'BASE TABLE'
            AND c.TABLE_SCHEMA IN (${wanted.map(() => '?').join(', ')})
            AND c.TABLE_SCHEMA NOT IN (${SYSTEM_SCHEMAS.map(() => '?').join(', ')})
            AND c.TABLE_NAME <> ?
          ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`,
        [...wanted, ...SYSTEM_SCHEMAS, MYSQL_LEDGER_TABLE],
      );
      await connection.query('COMMIT');
      return (rows as CatalogueColumn[]).map((r) => ({
        table_schema: String(r.table_schema),
        table_name: String(r.table_name),
        column_name: String(r.column_name),
        data_type: String(r.data_type),
        // MySQL answers the comparison as 0/1.
        not_null: Number(r.not_null) === 1,
      }));
    } catch (err) {
      const reason = describeMysqlError(err);
      this.logger.warn({ system: code, reason }, 'scan failed');
      throw new SystemUnreachable(`Could not read the catalogue of system "${code}": ${reason}`, {
        system: code,
        reason,
      });
    } finally {
      await connection?.end().catch(() => undefined);
    }
  }
}

/**
 * The session's statement timeout: MariaDB's `max_statement_time` (seconds, every statement) or
 * MySQL's `max_execution_time` (milliseconds, SELECT only). Integers from code, never SQL text.
 */
export async function setStatementTimeout(
  connection: { query: (sql: string) => Promise<unknown> },
  seconds: number,
  mariadb?: boolean,
): Promise<void> {
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`Invalid timeout ${String(seconds)}`);
  if (mariadb === undefined) {
    const [rows] = (await connection.query('SELECT VERSION() AS v')) as [{ v: string }[]];
    mariadb = /mariadb/i.test(rows[0]?.v ?? '');
  }
  await connection.query(
    mariadb
      ? `SET SESSION max_statement_time = ${seconds.toFixed(3)}`
      : `SET SESSION max_execution_time = ${Math.round(seconds * 1000)}`,
  );
}
