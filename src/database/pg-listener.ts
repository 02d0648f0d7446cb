import { Client } from 'pg';

const RECONNECT_MS = 1_000;

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

  constructor(private readonly options: PgListenerOptions) {}

  get listening(): boolean {
    return this.live;
  }

  start(): void {
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    this.live = false;
    await client?.end().catch(() => undefined);
  }

  /** One round trip on the listening connection; a failure counts as losing it. */
  async ping(): Promise<boolean> {
    const client = this.client;
    if (!client || !this.live) return false;
    try {
      await client.query('SELECT 1');
      return this.client === client;
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
      for (const channel of channels) {
        // Channel names are constants of this code base, never input.
        await client.query(`LISTEN ${channel}`);
      }
      await onListening?.();
      this.live = this.client === client;
    } catch (e) {
      lost(e);
    }
  }
}
