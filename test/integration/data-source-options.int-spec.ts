import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { loadAppConfig } from '../../src/config/app-config.loader';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { createTestDatabase, queryRows } from '../utils/test-database';

/**
 * TypeORM's driver used to run CREATE EXTENSION "uuid-ossp" at every connect (entities have uuid
 * keys), and to warn where it could not: the embedded database, a role without the right. The
 * migrations' gen_random_uuid() needs no extension.
 */
describe('buildDataSourceOptions (PostgreSQL)', () => {
  it('connects without creating an extension, and without a warning', async () => {
    const db = await createTestDatabase('ds_options');
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    const dataSource = new DataSource(buildDataSourceOptions(loadAppConfig({ DATABASE_URL: db.url })));
    try {
      await dataSource.initialize();
      expect(warn.mock.calls.map((call) => String(call[0]))).toEqual([]);
      expect(await queryRows(db.url, `SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'`)).toEqual(
        [],
      );
    } finally {
      warn.mockRestore();
      debug.mockRestore();
      if (dataSource.isInitialized) await dataSource.destroy();
      await db.drop();
    }
  });
});
