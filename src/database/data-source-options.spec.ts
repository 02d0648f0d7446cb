import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { loadAppConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';

describe('buildDataSourceOptions', () => {
  it('connects to the embedded database without a warning about extensions (uuid-ossp)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'finalite-ds-'));
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    const dataSource = new DataSource(buildDataSourceOptions(loadAppConfig({ DATA_DIR: dataDir })));
    try {
      await dataSource.initialize();
      expect(warn.mock.calls.map((call) => String(call[0]))).toEqual([]);
    } finally {
      warn.mockRestore();
      debug.mockRestore();
      if (dataSource.isInitialized) await dataSource.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
