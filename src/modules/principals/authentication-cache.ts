import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { FRESHNESS_HEARTBEAT_MS, isFresh, PgListener, waitForPropagation } from '../../database/pg-listener';
import type { AuthenticatedPrincipal } from '../../policies/principal';

/** NOTIFY channel fired (by triggers, on commit) whenever a key or a principal changes. */
export const AUTH_CHANNEL = 'finalite_auth';

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
 * Short-lived cache of key hash → authenticated principal (ADR 0011). Any change to api_key or
 * principal NOTIFYs on commit (database triggers); every notification, every reconnection and
 * every local change clears the whole cache. It is used only while this instance's listener has
 * proven, within PROPAGATION_MS (pg-listener.ts), that it has handled every notification committed before then;
 * writers wait PROPAGATION_MS after commit, so a revocation answered 204 by one instance is
 * refused by all. Listener down or late → no cache: every request reads PostgreSQL. A lookup that
 * raced with an invalidation does not fill (generation counter). Embedded mode (one process, no
 * listener): never caches.
 */
@Injectable()
export class AuthenticationCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuthenticationCache.name);
  private readonly entries = new Map<string, CachedCredential & { cachedAt: number }>();
  private generationCounter = 0;
  private listener?: PgListener;

  constructor(private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    if (this.config.embeddedDatabase) return;
    this.listener = new PgListener({
      connectionString: this.config.DATABASE_URL!,
      applicationName: 'finalite-auth-listener',
      channels: [AUTH_CHANNEL],
      heartbeatMs: FRESHNESS_HEARTBEAT_MS,
      onNotification: () => this.invalidateAll(),
      // Anything changed while we were not listening is forgotten.
      onListening: () => this.invalidateAll(),
      onLost: (why) => {
        this.invalidateAll();
        this.logger.warn({ err: why }, 'Authentication listener lost: no cache until it is back');
      },
    });
    this.listener.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.invalidateAll();
    await this.listener?.stop();
  }

  /** True while this instance provably reflects every change committed PROPAGATION_MS ago. */
  get usable(): boolean {
    return isFresh(this.listener);
  }

  /**
   * After committing a change to keys or principals, before answering: once this resolves, no
   * instance serves a cached credential older than the change. Embedded mode has no cache.
   */
  async awaitPropagation(): Promise<void> {
    if (this.config.embeddedDatabase) return;
    await waitForPropagation();
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
}
