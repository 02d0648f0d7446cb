import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { PgListener } from '../../database/pg-listener';
import type { AuthenticatedPrincipal } from '../../policies/principal';

/** NOTIFY channel fired (by triggers, on commit) whenever a key or a principal changes. */
export const AUTH_CHANNEL = 'finalite_auth';

/** Heartbeat on the listening connection: a cache hit needs one that succeeded this recently. */
const HEARTBEAT_MS = 1_000;
const LIVE_WITHIN_MS = 2_500;
/** Upper bound on an entry's life even with a healthy listener (defence in depth). */
const MAX_AGE_MS = 30_000;
const MAX_ENTRIES = 10_000;

export interface CachedCredential {
  principal: AuthenticatedPrincipal;
  /** Epoch ms, or null: checked against the clock on every hit. */
  expiresAt: number | null;
  lastUsedAt: Date | null;
}

/**
 * Short-lived cache of key hash → authenticated principal (ADR 0011). It is used only while this
 * instance's LISTEN connection on `finalite_auth` is proven alive (heartbeat within 2.5 s): any
 * change to api_key or principal NOTIFYs on commit (database triggers), and every notification,
 * every reconnection and every local change clears the whole cache. Listener down → no cache:
 * every request reads PostgreSQL, as before. A lookup that raced with an invalidation does not
 * fill (generation counter). Embedded mode (one process, no listener): never caches.
 */
@Injectable()
export class AuthenticationCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuthenticationCache.name);
  private readonly entries = new Map<string, CachedCredential & { cachedAt: number }>();
  private generationCounter = 0;
  private listener?: PgListener;
  private lastHeartbeatAt = 0;
  private heartbeatTimer?: NodeJS.Timeout;

  constructor(private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    if (this.config.embeddedDatabase) return;
    this.listener = new PgListener({
      connectionString: this.config.DATABASE_URL!,
      applicationName: 'finalite-auth-listener',
      channels: [AUTH_CHANNEL],
      onNotification: () => this.invalidateAll(),
      onListening: () => {
        // Anything changed while we were not listening is forgotten.
        this.invalidateAll();
        this.lastHeartbeatAt = Date.now();
      },
      onLost: (why) => {
        this.invalidateAll();
        this.logger.warn({ err: why }, 'Authentication listener lost: no cache until it is back');
      },
    });
    this.listener.start();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.invalidateAll();
    clearInterval(this.heartbeatTimer);
    await this.listener?.stop();
  }

  /** True while notifications are known to reach this instance. */
  get usable(): boolean {
    return (this.listener?.listening ?? false) && Date.now() - this.lastHeartbeatAt < LIVE_WITHIN_MS;
  }

  /** Take before a database lookup; pass to set() so that a raced lookup does not fill. */
  get generation(): number {
    return this.generationCounter;
  }

  get(keyHash: string, now: number): CachedCredential | undefined {
    if (!this.usable) {
      if (this.entries.size > 0) this.entries.clear();
      return undefined;
    }
    const entry = this.entries.get(keyHash);
    if (!entry) return undefined;
    if (now - entry.cachedAt >= MAX_AGE_MS || (entry.expiresAt !== null && entry.expiresAt <= now)) {
      this.entries.delete(keyHash);
      return undefined;
    }
    return entry;
  }

  set(keyHash: string, credential: CachedCredential, generation: number): void {
    if (!this.usable || generation !== this.generationCounter) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(keyHash, { ...credential, cachedAt: Date.now() });
  }

  /** After any local change to keys or principals (once committed), and on every notification. */
  invalidateAll(): void {
    this.generationCounter += 1;
    this.entries.clear();
  }

  private async heartbeat(): Promise<void> {
    if (await this.listener?.ping()) this.lastHeartbeatAt = Date.now();
  }
}
