import { Client } from 'pg';

const RECONNECT_MS = 1_000;

/**
 * The freshness window of caches invalidated by NOTIFY (ADR 0011). A cache is used only while its
 * listener proves, by a heartbeat sent less than this long ago, that it has handled every
 * notification committed before then; a writer whose change must hold at once on every instance
 * waits this long after its commit (waitForPropagation) before it answers.
 */
export const PROPAGATION_MS = 300;
/** Heartbeat of listeners backing such caches: several per window, so a healthy cache stays usable. */
export const FRESHNESS_HEARTBEAT_MS = 75;
/** setTimeout may fire a millisecond early; the writer's wait must exceed the window for sure. */
const TIMER_SLACK_MS = 15;

/** After committing a change that NOTIFY-invalidated caches must reflect everywhere, before answering. */
export function waitForPropagation(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, PROPAGATION_MS + TIMER_SLACK_MS));
}

/**
 * Milliseconds on a clock that never steps back (unlike Date.now() after an NTP step or a VM
 * resume, which would stretch the freshness window). Only for durations, never for dates.
 */
export function monotonicNow(): number {
  return performance.now();
}

/** Whether a cache backed by this listener may be used now (see PROPAGATION_MS). */
export function isFresh(listener: PgListener | undefined, now = monotonicNow()): boolean {
  const confirmedAt = listener?.confirmedAt ?? 0;
  // 0 is "never confirmed", not an instant: the monotonic clock starts near 0 with the process.
  return confirmedAt > 0 && now - confirmedAt < PROPAGATION_MS;
}

export interface PgListenerOptions {
  connectionString: string;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  channels: string[];
  onNotification: (channel: string, payload: string | undefined) => void;
  /**
   * Runs after LISTEN succeeded and before the listener reports itself live: catch up on what
   * was announced while nobody listened. A throw counts as losing the connection.
   */
  onListening?: () => void | Promise<void>;
  /** The connection was lost; a reconnection follows (unless stopped). */
  onLost?: (why: unknown) => void;
  /** When set, ping() runs this often, keeping `confirmedAt` fresh (see there). */
  heartbeatMs?: number;
}

/**
 * A dedicated PostgreSQL connection LISTENing on some channels, reconnecting after a loss.
 * `listening` is true only while notifications are known to arrive; callers that cache on the
 * strength of notifications must stop trusting their cache when it is false.
 */
export class PgListener {
  private client?: Client;
  private live = false;
  private stopped = false;
  private reconnectTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  private confirmedAtMs = 0;
  /** The ping on the wire, if any: pings never overlap on the connection (see heartbeat). */
  private inFlight?: Promise<boolean>;

  constructor(private readonly options: PgListenerOptions) {}

  get listening(): boolean {
    return this.live;
  }

  /**
   * When (monotonicNow) the latest successful ping was *sent* (0: none since the last loss).
   * PostgreSQL delivers pending notifications on a connection before the ReadyForQuery of any
   * later query, and node-pg emits them before resolving that query: so every NOTIFY committed
   * before this instant has been handed to onNotification. A cache that is used only while
   * `now - confirmedAt < W` therefore reflects every change committed more than W ago, on every
   * instance (ADR 0011: a writer that waits W after committing is then seen everywhere).
   */
  get confirmedAt(): number {
    return this.live ? this.confirmedAtMs : 0;
  }

  start(): void {
    void this.connect();
    const { heartbeatMs } = this.options;
    if (heartbeatMs) {
      // A beat while the last ping is still on the wire (a slow or busy database) is skipped: a
      // second query would queue behind it on the connection, which node-pg deprecates (pg@9
      // refuses it) and which piles up pings exactly when the database is slowest.
      this.heartbeatTimer = setInterval(() => {
        if (!this.inFlight) void this.ping();
      }, heartbeatMs);
      this.heartbeatTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeatTimer);
    const client = this.client;
    this.client = undefined;
    this.live = false;
    await client?.end().catch(() => undefined);
  }

  /**
   * One round trip on the listening connection; a failure counts as losing it. Called while a
   * ping is on the wire, it waits for that one and then sends its own: its answer confirms what
   * was committed before the call, which the earlier ping cannot.
   */
  async ping(): Promise<boolean> {
    while (this.inFlight) await this.inFlight;
    const ping = this.roundTrip();
    this.inFlight = ping;
    try {
      return await ping;
    } finally {
      if (this.inFlight === ping) this.inFlight = undefined;
    }
  }

  private async roundTrip(): Promise<boolean> {
    const client = this.client;
    if (!client || !this.live) return false;
    const sentAt = monotonicNow();
    try {
      await client.query('SELECT 1');
      if (this.client !== client) return false;
      this.confirmedAtMs = Math.max(this.confirmedAtMs, sentAt);
      return true;
    } catch (e) {
      client.emit('error', e);
      return false;
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const { connectionString, applicationName, channels, onNotification, onListening, onLost } = this.options;
    const client = new Client({
      connectionString,
      application_name: applicationName,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    });
    const lost = (why: unknown) => {
      if (this.client !== client) return;
      this.live = false;
      this.confirmedAtMs = 0;
      this.client = undefined;
      client.removeAllListeners();
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      onLost?.(why);
      if (!this.stopped) {
        this.reconnectTimer = setTimeout(() => void this.connect(), RECONNECT_MS);
        this.reconnectTimer.unref();
      }
    };
    this.client = client;
    client.on('error', lost);
    client.on('end', () => lost(new Error('connection ended')));
    client.on('notification', (msg) => onNotification(msg.channel, msg.payload));
    try {
      await client.connect();
      // Everything committed after LISTEN is delivered; onListening catches up on the rest.
      const listenSentAt = monotonicNow();
      for (const channel of channels) {
        // Channel names are constants of this code base, never input.
        await client.query(`LISTEN ${channel}`);
      }
      await onListening?.();
      this.live = this.client === client;
      if (this.live) this.confirmedAtMs = listenSentAt;
    } catch (e) {
      lost(e);
    }
  }
}
