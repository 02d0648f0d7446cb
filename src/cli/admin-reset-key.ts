import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from '../app.module';
import { loadAppConfigFromProcessOrExit } from '../config/app-config';
import { PrincipalsService } from '../modules/principals/principals.service';

/**
 * `npm run admin:reset-key` (in a built image: `node dist/src/cli/admin-reset-key.js`): the
 * operator's way back in when the bootstrap admin's key is lost. Same configuration as the
 * service (DATABASE_URL, else the embedded database under DATA_DIR: stop the service first, an
 * embedded database has one process at a time). Prints the new key once on stderr.
 */
async function resetAdminKey(): Promise<void> {
  const config = loadAppConfigFromProcessOrExit();
  // A one-shot command: it must not consume jobs nor start scheduled runs.
  config.JOBS_INLINE_WORKER = false;
  config.RETENTION_SCHEDULER = 'off';
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  await app.init();
  try {
    const reset = await app.get(PrincipalsService).resetBootstrapAdminKey();
    process.stderr.write(
      `\nADMIN KEY RESET: admin API key ${reset.key} — shown only this once. Store it now ` +
        '(Authorization: Bearer <key>).\n\n',
    );
    new NestLogger('AdminResetKey').warn(
      {
        principalId: reset.principalId,
        keyPrefix: reset.keyPrefix,
        createdAdmin: reset.created,
        revokedKeyPrefixes: reset.revokedKeyPrefixes,
      },
      'Bootstrap admin key reset: previous keys revoked, the new key was printed on stderr',
    );
  } finally {
    await app.close();
  }
}

resetAdminKey().then(
  () => process.exit(0),
  (err: unknown) => {
    new NestLogger('AdminResetKey').fatal({ err }, 'Admin key reset failed: nothing was changed');
    process.exit(1);
  },
);
