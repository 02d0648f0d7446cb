import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { loadAppConfigFromProcess } from '../config/app-config.loader';
import { buildMigrationDataSourceOptions } from './migration-runner';

/**
 * Used by the TypeORM CLI (npm run migration:*): the app's options, connected as
 * MIGRATION_DATABASE_URL when set. The CLI wants exactly one DataSource export.
 */
Logger.overrideLogger(['fatal', 'error', 'warn', 'log']);
export default new DataSource(buildMigrationDataSourceOptions(loadAppConfigFromProcess()));
