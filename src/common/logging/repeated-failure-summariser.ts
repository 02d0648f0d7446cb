/** The part of a Nest logger the summariser writes to. */
export interface SummaryLogger {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  log(fields: object, message: string): void;
}

interface Outage {
  since: number;
  total: number;
  /** Refusals since the last summary line. */
  pending: number;
}

/** Summary lines, and the recovery check, every this many milliseconds while a failure lasts. */
export const SUMMARY_INTERVAL_MS = 10_000;

/**
 * Keeps an outage from flooding the log with one stack per refused request (16,205 lines in
 * 10 s during a PostgreSQL outage): the first refusal of a kind is logged with its error and
 * stack, then one line per interval says how many more were refused, and once a whole interval
 * passes without one, a recovery line closes the episode (the next refusal is a new first one).
 */
export class RepeatedFailureSummariser {
  private readonly outages = new Map<string, Outage>();
  private timer: NodeJS.Timeout | undefined;

  /** label: what is counted, in the plural ('requests refused', 'Redis connection errors'). */
  constructor(
    private readonly logger: SummaryLogger,
    private readonly label = 'requests refused',
    private readonly intervalMs = SUMMARY_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** One failure of kind `code` (e.g. a refused request answered DATABASE_UNAVAILABLE). */
  record(code: string, err: unknown): void {
    const outage = this.outages.get(code);
    if (outage) {
      outage.total += 1;
      outage.pending += 1;
      return;
    }
    this.outages.set(code, { since: this.now(), total: 1, pending: 0 });
    this.logger.error(
      { err, code },
      `${this.label[0].toUpperCase()}${this.label.slice(1)}: ${code} (the next ones are counted, one line every ${this.intervalMs / 1000} s)`,
    );
    if (!this.timer) {
      this.timer = setInterval(() => this.summarise(), this.intervalMs);
      // Never what keeps a process alive, nor what a shutdown waits for.
      this.timer.unref();
    }
  }

  /** Writes the pending counts; closes the outages that saw no refusal for a whole interval. */
  summarise(): void {
    for (const [code, outage] of this.outages) {
      if (outage.pending > 0) {
        this.logger.warn({ code, count: outage.pending }, `${outage.pending} more ${this.label}: ${code}`);
        outage.pending = 0;
        continue;
      }
      this.outages.delete(code);
      const seconds = Math.round((this.now() - outage.since) / 1000);
      this.logger.log(
        { code, refused: outage.total, seconds },
        `Recovered from ${code}: ${outage.total} ${this.label} over ${seconds} s`,
      );
    }
    if (this.outages.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
