import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from '../app.module';
import type { AppConfig } from '../config/app-config';
import {
  BootstrapAdminKeysService,
  BootstrapKeyReset,
} from '../modules/principals/bootstrap-admin-keys.service';

/**
 * The operator's way back in when the bootstrap admin's key is lost (entry point:
 * admin-reset-key.ts). Boots the app's context without jobs or scheduler (a one-shot command must
 * not consume jobs nor start runs), resets the key, prints it once on stderr, never in the log.
 */
export async function resetAdminKey(config: AppConfig): Promise<BootstrapKeyReset> {
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot(Object.assign(config, { JOBS_INLINE_WORKER: false, RETENTION_SCHEDULER: 'off' })),
    { bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  await app.init();
  try {
    const reset = await app.get(BootstrapAdminKeysService).resetBootstrapAdminKey();
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
    return reset;
  } finally {
    await app.close();
  }
}
