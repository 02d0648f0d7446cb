/**
 * Child process of audit-concurrency.e2e-spec.ts: appends audit events through the batching
 * writer as fast as it can and prints `ack <seq> <hash>` for each one acknowledged, until the
 * parent kills it with SIGKILL. Self-contained: no Nest app, only the data source and AuditService.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadAppConfig } from '../../src/config/app-config.loader';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { AuditService } from '../../src/modules/audit/audit.service';
import { AuditRepository } from '../../src/modules/audit/audit.repository';
import { SYSTEM_ACTOR } from '../../src/policies/principal';

async function main(): Promise<void> {
  const config = loadAppConfig({
    DATABASE_URL: process.env.CRASH_DATABASE_URL,
    AUDIT_HMAC_KEY: process.env.CRASH_AUDIT_HMAC_KEY,
    DATA_DIR: process.env.CRASH_DATA_DIR,
  });
  const dataSource = new DataSource({ ...buildDataSourceOptions(config), entities: [], migrations: [] });
  await dataSource.initialize();
  const audit = new AuditService(config, dataSource, new AuditRepository(dataSource));
  process.stdout.write('ready\n');
  let counter = 0;
  const workers = Number(process.env.CRASH_WORKERS ?? 32);
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (;;) {
        const record = await audit.append({
          type: 'test.crash',
          actor: SYSTEM_ACTOR,
          payload: { worker, n: counter++ },
        });
        // Pipes are synchronous on Linux: once written, the parent will read it even after SIGKILL.
        process.stdout.write(`ack ${record.seq} ${record.hash}\n`);
      }
    }),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
