import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig } from '../../config/app-config';
import type { AuthenticatedPrincipal } from '../../policies/principal';

/** NOTIFY channel fired (by triggers, on commit) whenever a key or a principal changes. */
export const AUTH_CHANNEL = 'finalite_auth';

/** Heartbeat on the listening connection: a cache hit needs one that succeeded this recently. */
const HEARTBEAT_MS = 1_000;
const LIVE_WITHIN_MS = 2_500;
const RECONNECT_MS = 1_000;
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
  private listener?: Client;
  private listening = false;
  private lastHeartbeatAt = 0;
  private heartbeatTimer?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    if (this.config.embeddedDatabase) return;
    void this.connect();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.invalidateAll();
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = undefined;
    this.listening = false;
    await listener?.end().catch(() => undefined);
  }

  /** True while notifications are known to reach this instance. */
  get usable(): boolean {
    return this.listening && Date.now() - this.lastHeartbeatAt < LIVE_WITHIN_MS;
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

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.config.DATABASE_URL,
      application_name: 'finalite-auth-listener',
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    });
    const lost = (why: unknown) => {
      if (this.listener !== client) return;
      this.listening = false;
      this.listener = undefined;
      this.invalidateAll();
      client.removeAllListeners();
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      if (!this.stopped) {
        this.logger.warn({ err: why }, 'Authentication listener lost: no cache until it is back');
        this.reconnectTimer = setTimeout(() => void this.connect(), RECONNECT_MS);
        this.reconnectTimer.unref();
      }
    };
    this.listener = client;
    client.on('error', lost);
    client.on('end', () => lost(new Error('connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel === AUTH_CHANNEL) this.invalidateAll();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${AUTH_CHANNEL}`);
      // Anything changed while we were not listening is forgotten.
      this.invalidateAll();
      this.lastHeartbeatAt = Date.now();
      this.listening = this.listener === client;
    } catch (e) {
      lost(e);
    }
  }

  private async heartbeat(): Promise<void> {
    const client = this.listener;
    if (!client || !this.listening) return;
    try {
      await client.query('SELECT 1');
      if (this.listener === client) this.lastHeartbeatAt = Date.now();
    } catch (e) {
      client.emit('error', e);
    }
  }
}
