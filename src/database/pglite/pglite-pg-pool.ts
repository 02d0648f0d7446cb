import { EventEmitter } from 'node:events';
import type { PGlite, Results } from '@electric-sql/pglite';
// pg's own parameter serialisation, so that PGlite receives exactly what PostgreSQL would.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue: (value: unknown) => unknown };

type QueryCallback = (err: Error | null, result?: PgLikeResult) => void;

export interface PgLikeResult {
  command: string;
  rowCount: number;
  rows: unknown[];
  fields: { name: string; dataTypeID: number }[];
}

const ACQUIRE_TIMEOUT_MS = 30_000;

/**
 * PGlite is one PostgreSQL backend in this process: a single session. TypeORM expects a
 * pg Pool whose clients are separate sessions, so a transaction on one client must never
 * see statements of another. This pool therefore hands out ONE client at a time (a pool of
 * size 1 with a FIFO wait queue), which is what makes concurrent requests safe on PGlite.
 * Code must use the transaction's EntityManager inside a transaction: asking the pool for
 * a second connection there would wait for itself (the acquire timeout turns that into an
 * error instead of a hang). See docs/adr/0002-embedded-pglite.md.
 */
export class PglitePgPool extends EventEmitter {
  private busy = false;
  private readonly waiters: Array<() => void> = [];
  private ended = false;

  constructor(
    private readonly open: () => Promise<PGlite>,
    private readonly onEnd: () => Promise<void>,
  ) {
    super();
  }

  connect(
    callback?: (err: Error | null, client?: PglitePgClient, release?: (err?: unknown) => void) => void,
  ) {
    const promise = this.acquire().then((client) => {
      const release = () => client.release();
      return { client, release };
    });
    if (!callback) return promise.then(({ client }) => client);
    promise.then(
      ({ client, release }) => callback(null, client, release),
      (err: Error) => callback(err),
    );
    return undefined;
  }

  query(sql: string, params?: unknown[] | QueryCallback, callback?: QueryCallback): Promise<PgLikeResult> {
    const cb = typeof params === 'function' ? params : callback;
    const values = typeof params === 'function' ? undefined : params;
    const run = async () => {
      const client = await this.acquire();
      try {
        return await client.query(sql, values);
      } finally {
        client.release();
      }
    };
    const promise = run();
    if (cb)
      promise.then(
        (r) => cb(null, r),
        (e: Error) => cb(e),
      );
    return promise;
  }

  end(callback?: (err?: Error | null) => void): Promise<void> {
    this.ended = true;
    const promise = this.onEnd();
    if (callback)
      promise.then(
        () => callback(null),
        (e: Error) => callback(e),
      );
    return promise;
  }

  get totalCount(): number {
    return 1;
  }

  get idleCount(): number {
    return this.busy ? 0 : 1;
  }

  get waitingCount(): number {
    return this.waiters.length;
  }

  private async acquire(): Promise<PglitePgClient> {
    if (this.ended) throw new Error('The embedded database is closed');
    if (this.busy) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = this.waiters.indexOf(grant);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(
            new Error(`Timed out after ${ACQUIRE_TIMEOUT_MS} ms waiting for the embedded database session`),
          );
        }, ACQUIRE_TIMEOUT_MS);
        const grant = () => {
          clearTimeout(timer);
          resolve();
        };
        this.waiters.push(grant);
      });
    } else {
      this.busy = true;
    }
    try {
      return new PglitePgClient(await this.open(), () => this.releaseSession());
    } catch (err) {
      this.releaseSession();
      throw err;
    }
  }

  private releaseSession(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.busy = false;
  }
}

export class PglitePgClient extends EventEmitter {
  private released = false;

  constructor(
    private readonly db: PGlite,
    private readonly onRelease: () => void,
  ) {
    super();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease();
  }

  query(
    sql: string | { text: string; values?: unknown[] },
    params?: unknown[] | QueryCallback,
    callback?: QueryCallback,
  ): Promise<PgLikeResult> {
    const text = typeof sql === 'string' ? sql : sql.text;
    const cb = typeof params === 'function' ? params : callback;
    const values =
      typeof params === 'function'
        ? typeof sql === 'string'
          ? undefined
          : sql.values
        : (params ?? (typeof sql === 'string' ? undefined : sql.values));
    const promise = this.run(text, values);
    if (cb)
      promise.then(
        (r) => cb(null, r),
        (e: Error) => cb(e),
      );
    return promise;
  }

  private async run(text: string, values?: unknown[]): Promise<PgLikeResult> {
    if (this.released) throw new Error('Query on a released embedded database client');
    if (values && values.length > 0) {
      const result = await this.db.query(
        text,
        values.map((v) => prepareValue(v)),
      );
      return toPgResult(text, result);
    }
    // Without parameters, use the simple protocol so multi-statement migrations work;
    // like pg, report the last statement's result.
    const results = await this.db.exec(text);
    const last = results[results.length - 1];
    return toPgResult(text, last ?? { rows: [], fields: [], affectedRows: 0 });
  }
}

function toPgResult(sql: string, result: Results<unknown>): PgLikeResult {
  const command = commandOf(sql);
  const rows = result.rows ?? [];
  const rowCount = ['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(command)
    ? (result.affectedRows ?? rows.length)
    : rows.length;
  return {
    command,
    rowCount,
    rows,
    fields: (result.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
  };
}

/** pg reports the statement's command tag; derive it from the text (last statement of a batch). */
function commandOf(sql: string): string {
  const statements = sql
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
  const last = statements[statements.length - 1] ?? '';
  const stripped = last.replace(/^(\s*--[^\n]*\n|\s*\/\*[\s\S]*?\*\/)*/g, '').trim();
  const match =
    /^with\b[\s\S]*?\)\s*(insert|update|delete|select|merge)\b/i.exec(stripped) ?? /^(\w+)/.exec(stripped);
  return (match?.[1] ?? '').toUpperCase();
}
