import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { BootstrapAdminKeysService } from '../principals/bootstrap-admin-keys.service';

/**
 * First start: when no enabled admin exists, creates one with BOOTSTRAP_ADMIN_KEY, or with a
 * generated key printed ONCE (the only place a key is ever printed besides admin:reset-key). The
 * key goes straight to stderr, whatever LOG_LEVEL says: a level that hid it would lose the only
 * admin key for good. main.ts calls it only once the port is bound: a start that dies on a busy
 * port must not have created the admin and printed its key to a log nobody reads.
 */
@Injectable()
export class BootstrapAdminService {
  private readonly logger = new Logger(BootstrapAdminService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly bootstrapKeys: BootstrapAdminKeysService,
  ) {}

  async ensureAdmin(): Promise<void> {
    const outcome = await this.bootstrapKeys.ensureBootstrapAdmin(this.config.BOOTSTRAP_ADMIN_KEY);
    if (!outcome.created) {
      if (outcome.reason === 'key_already_registered') {
        this.logger.warn(
          'No enabled admin exists and BOOTSTRAP_ADMIN_KEY already belongs to a principal: nothing created. ' +
            'Re-enable an admin in the database, or set another BOOTSTRAP_ADMIN_KEY.',
        );
      }
      return;
    }
    if (outcome.generatedKey) {
      process.stderr.write(
        `\nFIRST START: admin API key ${outcome.generatedKey} — shown only this once. Store it now ` +
          '(Authorization: Bearer <key>); create the other principals with POST /principals.\n\n',
      );
      this.logger.warn(
        `FIRST START: admin created (prefix ${outcome.keyPrefix}); its key was printed on stderr`,
      );
    } else {
      this.logger.log(`FIRST START: admin created with BOOTSTRAP_ADMIN_KEY (prefix ${outcome.keyPrefix})`);
    }
  }
}
