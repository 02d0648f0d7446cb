import type { ConnectionOptions, PoolOptions } from 'mysql2/promise';

/**
 * Connection options for a customer's MySQL or MariaDB database from its `mysql://` connection
 * string (ADR 0049). Dates travel in UTC (`timezone: 'Z'` here, `time_zone = '+00:00'` on each
 * connection, see MYSQL_SESSION_INIT): a DATETIME column is read as UTC, like a timestamptz.
 * BIGINT and DECIMAL come back as strings (a key beyond 2^53 must not be rounded).
 */
export function mysqlConnectionOptions(connectionString: string): ConnectionOptions {
  const url = new URL(connectionString);
  if (url.protocol !== 'mysql:') throw new Error('Not a mysql:// connection string');
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')),
    timezone: 'Z',
    dateStrings: false,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    connectTimeout: 5_000,
    charset: 'utf8mb4_general_ci',
    multipleStatements: false,
  };
}

export function mysqlPoolOptions(connectionString: string, max: number): PoolOptions {
  return {
    ...mysqlConnectionOptions(connectionString),
    connectionLimit: max,
    maxIdle: max,
    idleTimeout: 10_000,
    waitForConnections: true,
    queueLimit: 0,
  };
}

/** Run on each new connection: UTC for every date, as the options above read them. */
export const MYSQL_SESSION_INIT = `SET time_zone = '+00:00'`;

/** A database error's reason, safe to show: never the connection string, never a password. */
export function describeMysqlError(err: unknown): string {
  const e = err as { code?: string; errno?: number; message?: string };
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
      return 'authentication failed';
    case 'ER_BAD_DB_ERROR':
      return 'database does not exist';
    case 'ER_QUERY_TIMEOUT':
    case 'ER_STATEMENT_TIMEOUT':
      return 'the catalogue query timed out';
    default:
      return /timeout/i.test(e.message ?? '')
        ? 'connection timed out'
        : `database error ${e.code ?? 'unknown'}`;
  }
}
