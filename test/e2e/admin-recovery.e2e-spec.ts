import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { resetAdminKey } from '../../src/cli/admin-reset-key.command';
import { loadAppConfig } from '../../src/config/app-config.loader';
import { hashApiKey } from '../../src/modules/principals/api-key';
import { seedEmbeddedDatabase } from '../utils/pglite-template';
import { startTestApp, TEST_SECRETS } from '../utils/test-app';
import { createTestDatabase, queryRows, TestDatabase } from '../utils/test-database';
import { runTsProcess } from '../utils/worker-process';

const FIRST_START = /FIRST START: admin API key (fin_\w{8}_[\w-]{43})/;
const RESET = /ADMIN KEY RESET: admin API key (fin_\w{8}_[\w-]{43})/;

/** Every non-empty line of a process's output, parsed: fails on any line that is not JSON. */
function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`Not a JSON log line: ${line.slice(0, 300)}`);
      }
    });
}

async function busyPort(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  return server;
}

describe('Operator recovery of the first admin key', () => {
  let db: TestDatabase;
  let dataDir: string;
  const env = () => ({
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    AUDIT_HMAC_KEY: TEST_SECRETS.AUDIT_HMAC_KEY,
    SECRETS_KEY: TEST_SECRETS.SECRETS_KEY,
    LOG_LEVEL: 'info',
  });

  beforeAll(async () => {
    db = await createTestDatabase('admin_recovery');
    dataDir = mkdtempSync(join(tmpdir(), 'finalite-recovery-'));
  });

  afterAll(async () => {
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('on a busy port: one structured line, exit 1, no admin created; the next start still honours BOOTSTRAP_ADMIN_KEY', async () => {
    const blocker = await busyPort();
    let run;
    try {
      const port = (blocker.address() as { port: number }).port;
      run = await runTsProcess('src/main.ts', { ...env(), PORT: String(port) });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(FIRST_START);
    expect(run.stderr).not.toMatch(/^\s+at /m); // no raw stack
    expect(run.stderr.trim()).toBe('');
    const lines = jsonLines(run.stdout);
    const fatal = lines.filter((l) => l.level === 60);
    expect(fatal).toEqual([
      expect.objectContaining({ code: 'EADDRINUSE', msg: expect.stringContaining('port') }),
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/"stack"/);
    expect(await queryRows(db.url, 'SELECT id FROM principal')).toEqual([]);

    // The next start creates the admin with the configured key (test-app passes BOOTSTRAP_ADMIN_KEY).
    const t = await startTestApp({ databaseUrl: db.url, dataDir, provision: false });
    try {
      const me = await t.withKey(TEST_SECRETS.BOOTSTRAP_ADMIN_KEY).get('/me').expect(200);
      expect(me.body).toMatchObject({ name: 'Bootstrap admin', roles: ['admin'] });
    } finally {
      await t.close();
    }
  });

  it('npm run admin:reset-key gives the bootstrap admin a new key, revokes the old ones, and audits it', async () => {
    const t = await startTestApp({ databaseUrl: db.url, dataDir, provision: false });
    try {
      const old = TEST_SECRETS.BOOTSTRAP_ADMIN_KEY;
      const admin = await t.withKey(old).get('/me').expect(200);
      const run = await runTsProcess('src/cli/admin-reset-key.ts', env());
      expect(run.code).toBe(0);
      const printed = RESET.exec(run.stderr)?.[1];
      expect(printed).toBeDefined();
      jsonLines(run.stdout); // the command logs like the service: JSON only
      expect(run.stdout).not.toContain(printed!); // the key never reaches the log

      // The running instance drops the old key at once (credential change NOTIFY) and takes the new one.
      await t.withKey(old).get('/me').expect(401);
      const me = await t.withKey(printed!).get('/me').expect(200);
      expect(me.body.id).toBe(admin.body.id);

      const events = await queryRows<{ type: string; payload: { reason?: string; keyPrefix: string } }>(
        db.url,
        `SELECT type, payload FROM audit_event WHERE type IN ('key.revoked', 'key.created') AND target_id = $1 ORDER BY seq`,
        [admin.body.id],
      );
      expect(events.map((e) => e.type)).toEqual(['key.created', 'key.revoked', 'key.created']);
      expect(events[1].payload).toMatchObject({ reason: 'admin:reset-key', keyPrefix: old.slice(0, 12) });
      expect(events[2].payload.keyPrefix).toBe(printed!.slice(0, 12));
      const auditor = await t
        .withKey(printed!)
        .post('/principals')
        .send({ name: 'recovery auditor', roles: ['auditor'] })
        .expect(201);
      expect((await t.withKey(auditor.body.key).get('/audit/verify').expect(200)).body.ok).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('works on the embedded database (DATA_DIR, no DATABASE_URL)', async () => {
    const embeddedDir = mkdtempSync(join(tmpdir(), 'finalite-recovery-pglite-'));
    seedEmbeddedDatabase(embeddedDir); // an empty cluster, as PGlite's own initdb leaves it
    try {
      // In process (the PostgreSQL case above runs the command itself): an embedded first start
      // is the costly part, not worth a second whole-program load under ts-node.
      const config = loadAppConfig({ ...env(), DATABASE_URL: undefined, DATA_DIR: embeddedDir });
      expect(config.embeddedDatabase).toBe(true);
      const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      let reset;
      let printed: string | undefined;
      try {
        reset = await resetAdminKey(config);
      } finally {
        printed = stderr.mock.calls.map((c) => RESET.exec(String(c[0]))?.[1]).find(Boolean);
        stderr.mockRestore();
      }
      expect(printed).toBe(reset.key);
      expect(reset).toMatchObject({ created: true, keyPrefix: printed!.slice(0, 12) });
      // Straight in the embedded database the command left behind (a whole app boot on PGlite
      // would double the time for nothing more).
      const pg = await PGlite.create(join(embeddedDir, 'pgdata'));
      try {
        const keys = await pg.query<{ name: string; roles: string[] }>(
          `SELECT p.name, p.roles FROM api_key k JOIN principal p ON p.id = k.principal_id
            WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND NOT p.disabled`,
          [hashApiKey(printed!)],
        );
        expect(keys.rows).toEqual([{ name: 'Bootstrap admin', roles: ['admin'] }]);
        const events = await pg.query<{ type: string }>(`SELECT type FROM audit_event ORDER BY seq`);
        expect(events.rows.map((e) => e.type)).toEqual(['principal.created', 'key.created']);
      } finally {
        await pg.close();
      }
    } finally {
      rmSync(embeddedDir, { recursive: true, force: true });
    }
  });
});
