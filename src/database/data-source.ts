import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadAppConfigFromProcess } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';

/** Used by the TypeORM CLI (npm run migration:*); the app builds the same options itself. */
export const dataSource = new DataSource(buildDataSourceOptions(loadAppConfigFromProcess()));
export default dataSource;
