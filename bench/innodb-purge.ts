import type { Connection, RowDataPacket } from 'mysql2/promise';

/**
 * InnoDB removes deleted rows in the background after COMMIT (its purge threads): a DELETE
 * returns before its work is done. One DELETE of 500,000 rows here returned after 0.8 s and its
 * rows were purged ≈ 1 s of server CPU later; the engine's batches are purged while the run goes
 * on, and compete with it. This counts the rows purged (INNODB_METRICS `purge_del_mark_records`,
 * switched on for the bench and back off if it was off), so that both sides can also be timed to
 * the end of their work. Needs the SUPER (or SYSTEM_VARIABLES_ADMIN) privilege; without it the
 * bench prints the figures at COMMIT only.
 */
export class InnodbPurgeWatch {
  private switchedOn = false;

  private constructor(private readonly admin: Connection) {}

  /** A watch, or null when the counter cannot be read or switched on. */
  static async open(admin: Connection): Promise<InnodbPurgeWatch | null> {
    const watch = new InnodbPurgeWatch(admin);
    try {
      if (!(await watch.enabled())) {
        await admin.query(`SET GLOBAL innodb_monitor_enable = 'purge_del_mark_records'`);
        watch.switchedOn = true;
      }
      return (await watch.purged()) === null ? null : watch;
    } catch {
      return null;
    }
  }

  /** Rows purged since the counter was switched on. */
  async purged(): Promise<number | null> {
    const [rows] = await this.admin.query<RowDataPacket[]>(
      `SELECT COUNT AS n FROM information_schema.INNODB_METRICS WHERE NAME = 'purge_del_mark_records'`,
    );
    return rows.length ? Number(rows[0].n) : null;
  }

  /** Waits until `rows` more rows than `from` are purged; false after `timeoutMs`. */
  async until(from: number, rows: number, timeoutMs = 120_000): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (((await this.purged()) ?? 0) - from >= rows) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  /** Puts the counter back as it was. */
  async close(): Promise<void> {
    if (this.switchedOn) {
      await this.admin
        .query(`SET GLOBAL innodb_monitor_disable = 'purge_del_mark_records'`)
        .catch(() => undefined);
    }
  }

  /** MariaDB says ENABLED (1/0), MySQL 8 STATUS ('enabled'/'disabled'). */
  private async enabled(): Promise<boolean> {
    const [rows] = await this.admin.query<RowDataPacket[]>(
      `SELECT * FROM information_schema.INNODB_METRICS WHERE NAME = 'purge_del_mark_records'`,
    );
    const row = rows[0] ?? {};
    return Number(row.ENABLED) === 1 || String(row.STATUS ?? '').toLowerCase() === 'enabled';
  }
}
