import type { DataSource, EntityManager } from 'typeorm';

/**
 * Rows of an `UPDATE/DELETE … RETURNING`: TypeORM's postgres driver returns them as
 * `[rows, rowCount]` for those commands (plain rows for the others), so callers that decide on
 * "did this update match" must unwrap them.
 */
export async function returningRows<T>(
  m: EntityManager | DataSource,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const raw = (await m.query(sql, params)) as unknown;
  if (Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number') {
    return raw[0] as T[];
  }
  return raw as T[];
}
