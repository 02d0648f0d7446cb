import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  return value;
};
const emptyToUndefined = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/**
 * Every environment variable the service understands, validated once at start-up.
 * A bad value stops the process with a message naming the variable (see loadAppConfig).
 * Property names are the variable names so that messages and docs line up.
 */
export class AppConfig {
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  /** Unset: embedded PGlite under DATA_DIR. */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  /**
   * Optional: a more privileged role (the schema owner, ideally a superuser) that runs the
   * migrations at start-up, so that DATABASE_URL can be a role that only reads and writes rows
   * and cannot drop or alter the audit trail (docs/audit.md). Unset: DATABASE_URL runs them.
   */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, {
    message: 'MIGRATION_DATABASE_URL must be a postgres:// or postgresql:// URL',
  })
  MIGRATION_DATABASE_URL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE: number = 10;

  @IsOptional()
  @IsString()
  @MinLength(1)
  DATA_DIR: string = './data';

  /** Unset: jobs are dispatched in process instead of BullMQ. */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** Prefix for every Redis key and BullMQ queue, so several deployments (or test suites) share one Redis. */
  @IsOptional()
  @IsString()
  @Matches(/^[a-zA-Z0-9:_-]{1,64}$/, { message: 'REDIS_PREFIX must be 1-64 characters of [a-zA-Z0-9:_-]' })
  REDIS_PREFIX: string = 'finalite';

  @IsOptional()
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** Admin key to create on first start when no admin exists (else one is generated and logged once). */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(32)
  @MaxLength(256)
  BOOTSTRAP_ADMIN_KEY?: string;

  /** 32-byte key (base64 or hex) encrypting connection strings at rest. Unset: generated under DATA_DIR. */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  SECRETS_KEY?: string;

  /** Ed25519 private key (PKCS#8 PEM or base64 DER) signing audit checkpoints. Unset: generated under DATA_DIR. */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  AUDIT_SIGNING_KEY?: string;

  /** Secret for the keyed hash of subject ids in the audit trail. Unset: generated under DATA_DIR. */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(16)
  AUDIT_HMAC_KEY?: string;

  /** Seconds between signed checkpoints of the audit chain head (0: only on demand). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(86400)
  AUDIT_CHECKPOINT_INTERVAL_SECONDS: number = 300;

  /** Comma-separated list of allowed CORS origins. Empty: CORS closed. */
  @IsOptional()
  @IsString()
  CORS_ORIGINS: string = '';

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  SWAGGER_ENABLED: boolean = true;

  /** Largest accepted request body, in bytes (default 1 MB). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(100 * 1024 * 1024)
  BODY_LIMIT_BYTES: number = 1024 * 1024;

  /** How long a rotated-out API key stays valid after its replacement is created (default 1 day). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(90 * 86400)
  KEY_ROTATION_GRACE_SECONDS: number = 86400;

  /** Requests per minute per API key on every route except the access checks. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_MINUTE: number = 3000;

  /**
   * Failed authentications per minute per client IP. Beyond it the caller gets 429 and one
   * `auth.throttled` event stands for the rest of the minute, so a flood of bad keys can neither
   * fill the audit trail nor cost an audit write each.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  AUTH_FAILURES_PER_MINUTE: number = 60;

  /** Requests per minute per API key on the access-check routes (hot path: high by default). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  ACCESS_CHECK_RATE_LIMIT_PER_MINUTE: number = 1_200_000;

  /** With REDIS_URL: whether this process also consumes jobs (false: leave them to `npm run start:worker`). */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  JOBS_INLINE_WORKER: boolean = true;

  /** Retention schedules per system (`off` in tests or when runs are only started by hand). */
  @IsOptional()
  @IsIn(['on', 'off'])
  RETENTION_SCHEDULER: 'on' | 'off' = 'on';

  /** Cron (UTC) of a system's retention run when the system declares none (default: daily at 03:00). */
  @IsOptional()
  @IsString()
  @Matches(/^\S+( \S+){4,5}$/, { message: 'RETENTION_DEFAULT_CRON must be a 5- or 6-field cron expression' })
  RETENTION_DEFAULT_CRON: string = '0 3 * * *';

  /**
   * Rows per purge batch (one short transaction each in the customer database). 50,000: ≈ 80 ms
   * per batch on the bench's rows (docs/retention.md), within the 200 ms lock bound; lower it for
   * wide rows, many indexes or triggers (ADR 0053).
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  RETENTION_BATCH_SIZE: number = 50_000;

  /**
   * Rows per purge batch in a MySQL/MariaDB database (ADR 0049): at most RETENTION_BATCH_SIZE.
   * InnoDB holds a batch's row locks until COMMIT: 5,000 rows measured 85–94 ms at the longest
   * (10,000: up to 222 ms on a loaded host), for nearly the throughput of 10,000 (performance.md).
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  RETENTION_MYSQL_BATCH_SIZE: number = 5_000;

  /** Prefix kept when `generalise` applies to an IPv4 address (mysql systems; ADR 0049). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(32)
  RETENTION_IPV4_PREFIX: number = 24;

  /** Prefix kept when `generalise` applies to an IPv6 address (mysql systems; ADR 0049). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(128)
  RETENTION_IPV6_PREFIX: number = 48;

  /** Pause between two batches, so a purge does not crowd the application's own database. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  RETENTION_BATCH_PAUSE_MS: number = 0;

  /** lock_timeout of a batch transaction in the customer database. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(600_000)
  RETENTION_LOCK_TIMEOUT_MS: number = 2000;

  /** statement_timeout of a batch statement in the customer database. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  RETENTION_STATEMENT_TIMEOUT_MS: number = 30_000;

  /** A run's lease: another worker takes over a run whose worker died once this has passed. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(500)
  @Max(3_600_000)
  RETENTION_LEASE_MS: number = 30_000;

  /** Delivery attempts of a retention webhook (exponential backoff from RETENTION_WEBHOOK_BACKOFF_MS). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(20)
  RETENTION_WEBHOOK_ATTEMPTS: number = 5;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  RETENTION_WEBHOOK_BACKOFF_MS: number = 1000;

  /** A webhook dataset whose system has not called back this long after its start fails (7 days). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(90 * 86_400_000)
  RETENTION_CALLBACK_DEADLINE_MS: number = 7 * 86_400_000;

  /** Public base URL of this service, for the callback URL sent to retention webhooks. */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @Matches(/^https?:\/\/\S+$/, { message: 'RETENTION_CALLBACK_BASE_URL must be an http(s) URL' })
  RETENTION_CALLBACK_BASE_URL?: string;

  /** A console session ends after this long without a request (default 30 minutes). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(7 * 86_400)
  SESSION_IDLE_TIMEOUT_SECONDS: number = 30 * 60;

  /** A console session ends this long after sign-in, however active (default 12 hours). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(30 * 86_400)
  SESSION_MAX_LIFETIME_SECONDS: number = 12 * 3600;

  /**
   * The console session cookie's `Secure` attribute. `true` (default): always; browsers keep a
   * Secure cookie on http://localhost and http://127.0.0.1, so `npm start` works as it is. `false`
   * only for plain-HTTP use on another host (a lab); `auto`: Secure except on a plain-HTTP request
   * from a loopback address (never behind a TLS proxy on the same host: it would drop Secure there).
   */
  @IsOptional()
  @IsIn(['auto', 'true', 'false'])
  SESSION_COOKIE_SECURE: 'auto' | 'true' | 'false' = 'true';

  get embeddedDatabase(): boolean {
    return !this.DATABASE_URL;
  }

  get inProcessJobs(): boolean {
    return !this.REDIS_URL;
  }

  get corsOrigins(): string[] {
    return this.CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean);
  }
}
