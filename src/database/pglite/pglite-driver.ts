import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite, types } from '@electric-sql/pglite';
import { PglitePgPool } from './pglite-pg-pool';

/** Parse values the way node-postgres does, so both backends hand the code the same types. */
const asText = (value: string) => value;

/**
 * Returns an object shaped like the `pg` module, which TypeORM accepts as its `driver`
 * option. Its Pool opens (or creates) the embedded database under dataDir on first use.
 * Everything above this adapter (TypeORM, migrations, services) is the same code as on
 * PostgreSQL. dataDir undefined: in memory (throwaway tests only).
 */
export function createPgliteDriver(dataDir: string | undefined): { Pool: new () => PglitePgPool } {
  const location = dataDir ? resolve(dataDir) : undefined;
  let opened: Promise<PGlite> | undefined;
  const open = (): Promise<PGlite> => {
    if (!opened) {
      if (location) mkdirSync(location, { recursive: true });
      opened = PGlite.create(location ?? 'memory://', {
        parsers: { [types.INT8]: asText, [types.NUMERIC]: asText },
        serializers: { [types.BOOL]: (v: unknown) => (typeof v === 'string' ? v : v ? 't' : 'f') },
      });
    }
    return opened;
  };
  const close = async () => {
    const db = opened;
    opened = undefined;
    if (db) await (await db).close();
  };

  class Pool extends PglitePgPool {
    constructor() {
      super(open, close);
    }
  }
  return { Pool };
}
