import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { SystemUnreachable } from './inventory.errors';

/** Kept short: a scan is interactive, and a hung customer database must not hold a request. */
const CONNECT_TIMEOUT_MS = 5_000;
const STATEMENT_TIMEOUT_MS = 15_000;

/** One column of a scanned system's catalogue. */
export interface CatalogueColumn {
  table_schema: string;
  table_name: string;
  column_name: string;
  data_type: string;
  /** Declared NOT NULL: a "nullify" anonymisation cannot apply to it. */
  not_null: boolean;
}

/**
 * Reads the catalogue of a *customer's* postgres system for a scan (its own short-lived
 * connection, read-only transaction, short timeouts). Not Finalité's database: its tables go
 * through InventoryRepository.
 */
export class PostgresCatalogueReader {
  private readonly logger = new Logger(PostgresCatalogueReader.name);

  async read(code: string, connectionString: string, schemas?: string[]): Promise<CatalogueColumn[]> {
    const client = new Client({
      connectionString,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      query_timeout: STATEMENT_TIMEOUT_MS,
      application_name: 'finalite-scan',
    });
    // A connection error after connect() would otherwise be an unhandled 'error' event.
    client.on('error', (err) =>
      this.logger.warn({ system: code, code: (err as { code?: string }).code }, 'scan connection error'),
    );
    try {
      await client.connect();
      await client.query('BEGIN TRANSACTION READ ONLY');
      // pg_catalog, not information_schema: information_schema.columns lists only the columns the
      // connecting role holds a privilege on (a least-privilege scan role would miss tables), and
      // lists view columns too. Tables and partitioned tables only; a partition's columns are its
      // parent's (registered under the parent's name). Dropped columns keep a pg_attribute row.
      const result = await client.query<CatalogueColumn>(
        `SELECT n.nspname AS table_schema, c.relname AS table_name, a.attname AS column_name,
                pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type, a.attnotnull AS not_null
           FROM pg_catalog.pg_attribute a
           JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p', 'f') AND NOT c.relispartition
            AND a.attnum > 0 AND NOT a.attisdropped
            AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
            AND ($1::text[] IS NULL OR n.nspname = ANY($1::text[]))
          ORDER BY n.nspname, c.relname, a.attnum`,
        [schemas ?? null],
      );
      await client.query('COMMIT');
      return result.rows;
    } catch (err) {
      const reason = describeConnectionError(err);
      this.logger.warn({ system: code, reason }, 'scan failed');
      throw new SystemUnreachable(`Could not read the catalogue of system "${code}": ${reason}`, {
        system: code,
        reason,
      });
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** A reason safe to show: never the connection string, never a password. */
function describeConnectionError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case '28P01':
    case '28000':
      return 'authentication failed';
    case '3D000':
      return 'database does not exist';
    case '57014':
      return 'the catalogue query timed out';
    default:
      return /timeout/i.test(e.message ?? '')
        ? 'connection timed out'
        : `database error ${e.code ?? 'unknown'}`;
  }
}
