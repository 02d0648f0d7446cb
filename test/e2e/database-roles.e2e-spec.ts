import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { startTestApp, TestApp } from '../utils/test-app';
import { connectTo, createTestDatabase, queryRows, TestDatabase, withAdmin } from '../utils/test-database';

/**
 * The recommended production set-up (docs/operations.md): migrations run as the schema owner
 * through MIGRATION_DATABASE_URL, the service as a role that only reads and writes rows. The
 * service works fully, and its own role cannot drop or rewrite the audit trail.
 */
describe('Service role without DDL rights (MIGRATION_DATABASE_URL)', () => {
  const appRole = `fin_test_app_${randomBytes(4).toString('hex')}`;
  let db: TestDatabase;
  let t: TestApp;
  let appUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase('db_roles');
    await withAdmin((c) => c.query(`CREATE ROLE "${appRole}" LOGIN NOSUPERUSER`));
    // What a DBA grants once: rows only, on whatever the owner's migrations create.
    await withAdmin(async (c) => {
      await c.query(`GRANT CONNECT ON DATABASE "${db.name}" TO "${appRole}"`);
      await c.query(`GRANT USAGE ON SCHEMA public TO "${appRole}"`);
      await c.query(
        `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "${appRole}"`,
      );
      await c.query(
        `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "${appRole}"`,
      );
    }, db.url);
    const url = new URL(db.url);
    url.username = appRole;
    appUrl = url.toString();
    t = await startTestApp({ databaseUrl: appUrl, env: { MIGRATION_DATABASE_URL: db.url } });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await withAdmin((c) => c.query(`DROP ROLE IF EXISTS "${appRole}"`));
  });

  it('migrates as the owner and serves as the restricted role', async () => {
    const owner = await connectTo(db.url);
    try {
      const tables = await owner.query<{ tableowner: string }>(
        `SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'`,
      );
      expect(tables.rows.map((r) => r.tableowner)).toEqual(['postgres']);
      const sessions = await owner.query<{ usename: string }>(
        `SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = $1 AND application_name = 'finalite'`,
        [db.name],
      );
      expect(sessions.rows.map((r) => r.usename)).toEqual([appRole]);
    } finally {
      await owner.end();
    }
    const input = purposeInput({ code: 'billing.invoices', legalBasis: 'contract' });
    await t.as(Role.Dpo).post('/purposes').send(input).expect(201);
    await t.as(Role.Dpo).post('/purposes/billing.invoices/activate').expect(200);
    expect((await t.as(Role.Auditor).get('/audit/verify').expect(200)).body.ok).toBe(true);
  });

  it("the service's role cannot drop, truncate or rewrite the audit trail", async () => {
    const app = await connectTo(appUrl);
    try {
      await expect(app.query('DROP TABLE audit_event')).rejects.toThrow(/owner|denied|refused/);
      await expect(app.query('TRUNCATE audit_event')).rejects.toThrow(/denied|refused|append-only/);
      await expect(app.query(`UPDATE audit_event SET type = 'x'`)).rejects.toThrow(/append-only|refused/);
      await expect(app.query('DELETE FROM audit_event')).rejects.toThrow(/append-only|refused/);
    } finally {
      await app.end();
    }
  });

  it('the migration CLI (npm run migration:run / migration:revert) works as the owner, on its own database', async () => {
    const cli = await createTestDatabase('db_roles_cli');
    const migrations = () =>
      queryRows<{ n: number }>(cli.url, 'SELECT count(*)::int AS n FROM schema_migrations').then(
        (r) => r[0].n,
      );
    const npm = (script: string) =>
      promisify(execFile)('npm', ['run', '--silent', script], {
        cwd: join(__dirname, '..', '..'),
        // The CLI reads the process environment, like the service: the owner's URL migrates.
        env: { ...process.env, DATABASE_URL: appUrl, MIGRATION_DATABASE_URL: cli.url },
      });
    try {
      await npm('migration:run');
      const applied = await migrations();
      expect(applied).toBeGreaterThan(10);
      await npm('migration:revert');
      expect(await migrations()).toBe(applied - 1);
      await npm('migration:run');
      expect(await migrations()).toBe(applied);
    } finally {
      await cli.drop();
    }
  });
});
