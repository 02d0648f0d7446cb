import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/**
 * An embedded first start spends nearly all its time in initdb: PGlite creating a new cluster in
 * WASM (≈15 s of CPU on a loaded 2-core machine, against ≈1 s for all the migrations). The suites
 * that test the embedded default start from a copy of one empty, initdb'd cluster instead, made
 * once per machine and PGlite version (test/setup/global-setup.ts, outside every test's timeout):
 * the copy is still an empty database, so the app's own first start (migrations, bootstrap admin)
 * runs in full in each suite; only the cluster creation, PGlite's own, is shared.
 */
const PGLITE_VERSION = (
  JSON.parse(
    readFileSync(join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json'), 'utf8'),
  ) as {
    version: string;
  }
).version;

export function pgliteTemplateDir(): string {
  return join(tmpdir(), `finalite-pglite-initdb-${PGLITE_VERSION}`);
}

const READY = 'finalite-template-ready';

export async function ensurePgliteTemplate(): Promise<string> {
  const dir = pgliteTemplateDir();
  if (existsSync(join(dir, READY))) return dir;
  // Built aside and renamed into place, so that concurrent runs never see half a cluster.
  const building = mkdtempSync(`${dir}-building-`);
  const db = await PGlite.create(building);
  await db.close();
  writeFileSync(join(building, READY), new Date().toISOString());
  try {
    renameSync(building, dir);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another run won the race: its copy is as good
  }
  return dir;
}

/**
 * Lays an empty initdb'd cluster where the embedded database of DATA_DIR lives (DATA_DIR/pgdata),
 * unless one is there already (a restart keeps its data).
 */
export function seedEmbeddedDatabase(dataDir: string): void {
  if (existsSync(join(dataDir, 'pgdata'))) return;
  const template = pgliteTemplateDir();
  if (!existsSync(join(template, READY))) return; // no template (a run without the global setup): initdb as usual
  cpSync(template, join(dataDir, 'pgdata'), { recursive: true, filter: (src) => !src.endsWith(READY) });
}
