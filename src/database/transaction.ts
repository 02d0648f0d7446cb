import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs work in one transaction. Inside it, use only the given manager: on the embedded
 * database there is a single session, and asking the DataSource for another connection
 * would wait for this one to finish.
 */
export function inTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  return dataSource.transaction('READ COMMITTED', work);
}
