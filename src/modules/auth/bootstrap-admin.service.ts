import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { PrincipalsService } from '../principals/principals.service';

/**
 * First start: when no enabled admin exists, creates one with BOOTSTRAP_ADMIN_KEY, or with a
 * generated key printed ONCE in the log (the only place a key is ever logged).
 */
@Injectable()
export class BootstrapAdminService implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapAdminService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly principals: PrincipalsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const outcome = await this.principals.ensureBootstrapAdmin(this.config.BOOTSTRAP_ADMIN_KEY);
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
      this.logger.warn(
        `FIRST START: admin API key ${outcome.generatedKey} — shown only this once. Store it now ` +
          '(Authorization: Bearer <key>); create the other principals with POST /principals.',
      );
    } else {
      this.logger.log(`FIRST START: admin created with BOOTSTRAP_ADMIN_KEY (prefix ${outcome.keyPrefix})`);
    }
  }
}
