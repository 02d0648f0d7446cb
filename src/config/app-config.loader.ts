import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AppConfig } from './app-config';

/**
 * Reading and validating the configuration (AppConfig, app-config.ts, declares the settings): from
 * an explicit map in tests and benches, from the process environment in the entry points, where a
 * bad configuration stops the process with its message. Secrets are never echoed in the message.
 */

export class InvalidConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'InvalidConfigurationError';
  }
}

/** Validates an environment (process.env in production, an explicit map in tests). */
export function loadAppConfig(env: Record<string, string | undefined>): AppConfig {
  const known = Object.keys(new AppConfig()).concat(
    Object.getOwnPropertyNames(AppConfig.prototype),
    configKeysWithoutDefault,
  );
  const relevant: Record<string, string> = {};
  for (const key of new Set(known)) {
    const value = env[key];
    if (value !== undefined) relevant[key] = value;
  }
  const config = plainToInstance(AppConfig, relevant, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: false, skipMissingProperties: false });
  if (errors.length > 0) {
    throw new InvalidConfigurationError(
      errors.map(
        (e) =>
          `${e.property}=${JSON.stringify(secretSafe(e.property, e.value))}: ${Object.values(e.constraints ?? {}).join('; ')}`,
      ),
    );
  }
  return config;
}

/** Keys declared without an initialiser are not own properties of a fresh instance. */
const configKeysWithoutDefault = [
  'DATABASE_URL',
  'MIGRATION_DATABASE_URL',
  'REDIS_URL',
  'BOOTSTRAP_ADMIN_KEY',
  'SECRETS_KEY',
  'AUDIT_SIGNING_KEY',
  'AUDIT_HMAC_KEY',
  'RETENTION_CALLBACK_BASE_URL',
];

const SECRET_KEYS = new Set([
  'BOOTSTRAP_ADMIN_KEY',
  'SECRETS_KEY',
  'AUDIT_SIGNING_KEY',
  'AUDIT_HMAC_KEY',
  'DATABASE_URL',
  'MIGRATION_DATABASE_URL',
  'REDIS_URL',
]);

function secretSafe(key: string, value: unknown): unknown {
  return SECRET_KEYS.has(key) && value !== undefined ? '<redacted>' : value;
}

/** The one place the process environment is read. */
export function loadAppConfigFromProcess(): AppConfig {
  return loadAppConfig(process.env);
}

/** For process entry points: a bad configuration stops the process (exit 78, EX_CONFIG) with its message. */
export function loadAppConfigFromProcessOrExit(): AppConfig {
  try {
    return loadAppConfigFromProcess();
  } catch (e) {
    if (e instanceof InvalidConfigurationError) {
      // Before any logger exists: plain stderr, then stop.
      process.stderr.write(`${e.message}\n`);
      process.exit(78);
    }
    throw e;
  }
}
