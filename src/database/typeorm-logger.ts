import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLoggerContract } from 'typeorm';

/** Longest query text kept in a log line. */
const MAX_QUERY_CHARS = 500;

/**
 * Routes TypeORM's messages to the application logger (structured JSON through nestjs-pino)
 * instead of the console. Query parameters are never logged: they carry subject ids, key hashes
 * and personal data. A failed query is logged at debug level only: most are bad input already
 * answered 4xx by the error filter, and the filter logs every unexpected failure itself.
 */
export class TypeOrmLogger implements TypeOrmLoggerContract {
  private readonly logger = new Logger('TypeORM');

  logQuery(): void {
    // Per-query logging is off: too costly and too revealing for production.
  }

  logQueryError(error: string | Error, query: string): void {
    const code = typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
    this.logger.debug({ sqlState: code, query: query.slice(0, MAX_QUERY_CHARS) }, 'Query failed');
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ ms: time, query: query.slice(0, MAX_QUERY_CHARS) }, 'Slow query');
  }

  logSchemaBuild(): void {
    // The schema comes only from migrations; synchronize is never used.
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    // TypeORM's own 'log'/'info' lines (e.g. every entity file a glob matched) are noise.
    if (level === 'warn') this.logger.warn(message);
    else this.logger.debug(message);
  }
}
