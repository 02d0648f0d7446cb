import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadAppConfigFromProcessOrExit } from '../config/app-config.loader';
import { resetAdminKey } from './admin-reset-key.command';

/**
 * `npm run admin:reset-key` (in a built image: `node dist/src/cli/admin-reset-key.js`), with the
 * service's configuration: DATABASE_URL, else the embedded database under DATA_DIR (stop the
 * service first: an embedded database has one process at a time). docs/operations.md.
 */
resetAdminKey(loadAppConfigFromProcessOrExit()).then(
  () => process.exit(0),
  (err: unknown) => {
    new Logger('AdminResetKey').fatal({ err }, 'Admin key reset failed: nothing was changed');
    process.exit(1);
  },
);
