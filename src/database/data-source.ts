import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadAppConfigFromProcess } from '../config/app-config';
import { buildMigrationDataSourceOptions } from './migration-runner';

/**
 * Used by the TypeORM CLI (npm run migration:*): the app's options, connected as
 * MIGRATION_DATABASE_URL when set.
 */
export const dataSource = new DataSource(buildMigrationDataSourceOptions(loadAppConfigFromProcess()));
export default dataSource;
