import type { RetentionRunResponseDto } from '../../src/modules/retention/dto/retention-run.dto';
import { createHmac } from 'node:crypto';
import { retentionHashKey } from '../../src/modules/retention/retention-hash-key';
import { Role } from '../../src/policies/role.enum';
import { waitForConsentWithdrawalRun, waitForRun } from '../utils/retention-run-polling';
import {
  createMysqlDb,
  createVisitorsTable,
  insertVisitors,
  MysqlDb,
  registerVisitors,
} from '../utils/mysql-fixture';
import { queryRows } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

const YEAR = 365;

interface Visitor {
  id: string;
  visitor_ref: string;
  idvisitor: string;
  location_ip: string | null;
  ip_text: string | null;
  user_agent: string | null;
  email: string | null;
  latitude: string | null;
  picture: string | null;
}

/**
 * The mysql executor against the local MariaDB (ADR 0049): a web-analytics database with the
 * column types of that world, scanned, purged by time with several purposes, by consent
 * withdrawal and erasure, held, dry-run; identifiers checked. Every count is checked against
 * the customer database's own rows.
 */
describe('Retention engine (MySQL/MariaDB, a real analytics database)', () => {
  let t: TestApp;
  let db: MysqlDb;
  let datasetId: string;
  let dataset: string;
  const dpo = () => t.as(Role.Dpo);

  const visitors = async () =>
    new Map(
      (
        await db.query<Visitor>(
          `SELECT CAST(id AS CHAR) AS id, visitor_ref, HEX(idvisitor) AS idvisitor,
                  INET6_NTOA(location_ip) AS location_ip, ip_text, user_agent, email,
                  CAST(latitude AS CHAR) AS latitude, HEX(picture) AS picture
             FROM visitors ORDER BY id`,
        )
      ).map((r) => [Number(r.id), r]),
    );

  async function runAndWait(body: Record<string, unknown>): Promise<RetentionRunResponseDto> {
    const created = await dpo().post('/retention/runs').send(body).expect(202);
    return waitForRun(t, created.body.id as string);
  }

  const finalite = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    queryRows<T>(t.databaseUrl!, text, params);

  beforeAll(async () => {
    t = await startTestApp({ env: { RETENTION_SCHEDULER: 'off', RETENTION_MYSQL_BATCH_SIZE: '2' } });
    db = await createMysqlDb('retention');
    await createVisitorsTable(db);
    await insertVisitors(db, [
      { id: 1, ref: 'vis-A', createdDaysAgo: YEAR, lastVisitDaysAgo: 180 }, // every purpose lasts
      {
        id: 2,
        ref: 'vis-B',
        createdDaysAgo: 12 * YEAR,
        lastVisitDaysAgo: 2 * YEAR,
        ip: '2001:db8:abcd:12::7',
      }, // support over
      { id: 3, ref: 'vis-C', createdDaysAgo: 12 * YEAR, lastVisitDaysAgo: 4 * YEAR }, // all over
      { id: 4, ref: 'vis-D', createdDaysAgo: 12 * YEAR, lastVisitDaysAgo: null }, // undated
      { id: 5, ref: 'vis-E', createdDaysAgo: 12 * YEAR, lastVisitDaysAgo: 4 * YEAR }, // held
      { id: 6, ref: 'vis-F', createdDaysAgo: 12 * YEAR, lastVisitDaysAgo: 2 * YEAR }, // withdraws
      { id: 7, ref: 'vis-G', createdDaysAgo: 100, lastVisitDaysAgo: 10 }, // asks for erasure
    ]);
  });
  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  it('refuses a connection string that is not a mysql:// URL naming a database (400, nothing stored)', async () => {
    const wrongScheme = await dpo()
      .post('/systems')
      .send({ code: 'bad-my', name: 'Bad', kind: 'mysql', connectionString: 'postgres://u@h/db' })
      .expect(422);
    expect(wrongScheme.body.error).toBe('SYSTEM_RULE_VIOLATED');
    const noDatabase = await dpo()
      .post('/systems')
      .send({ code: 'bad-my', name: 'Bad', kind: 'mysql', connectionString: 'mysql://root@127.0.0.1:3306' })
      .expect(422);
    expect(noDatabase.body.details).toEqual([expect.objectContaining({ property: 'connectionString' })]);
    await dpo()
      .post('/systems')
      .send({ code: 'bad-my', name: 'Bad', kind: 'mysql', connectionString: 'ftp://x' })
      .expect(400);
    await dpo().get('/systems/bad-my').expect(404);
  });

  it('scans the database: binary and text personal columns proposed, registered ones never listed', async () => {
    await dpo()
      .post('/systems')
      .send({ code: 'analytics', name: 'Analytics', kind: 'mysql', connectionString: db.url })
      .expect(201);
    const system = await dpo().get('/systems/analytics').expect(200);
    expect(system.body.hasConnection).toBe(true);
    expect(JSON.stringify(system.body)).not.toContain('mysql://');
    const first = await dpo().post('/systems/analytics/scan').send({}).expect(200);
    const byColumn = new Map(
      (
        first.body.unregistered as {
          column: string;
          dataType: string;
          likelyPersonal: boolean;
          suggestedCategory: string;
        }[]
      ).map((u) => [u.column, u]),
    );
    expect(byColumn.get('location_ip')).toMatchObject({
      dataType: 'varbinary(16)',
      likelyPersonal: true,
      suggestedCategory: 'online_identifiers',
    });
    expect(byColumn.get('idvisitor')).toMatchObject({
      dataType: 'binary(8)',
      likelyPersonal: true,
      suggestedCategory: 'online_identifiers',
    });
    expect(byColumn.get('user_agent')).toMatchObject({ dataType: 'tinytext', likelyPersonal: true });
    expect(byColumn.get('latitude')).toMatchObject({ likelyPersonal: true, suggestedCategory: 'location' });
    expect(byColumn.get('picture')).toMatchObject({ dataType: 'blob', likelyPersonal: true });
    expect(byColumn.get('email')).toMatchObject({ likelyPersonal: true, suggestedCategory: 'contact' });
    expect(first.body.schemas).toEqual([db.name]);
    await dpo().delete('/systems/analytics').expect(204);

    ({ datasetId, dataset } = await registerVisitors(t, db));
    const second = await dpo().post('/systems/analytics/scan').send({}).expect(200);
    const listed = (second.body.unregistered as { column: string }[]).map((u) => u.column).sort();
    // Registered columns are never listed; the keys and dates remain (not registered as fields).
    expect(listed).toEqual(['created_at', 'id', 'last_visit', 'visitor_ref']);
    expect(second.body.missing).toEqual([]);
  });

  it('states the rules of a mysql dataset in words like any other', async () => {
    const rules = await dpo().get('/retention/rules').query({ system: 'analytics' }).expect(200);
    const text = JSON.stringify(rules.body);
    expect(text).toContain('location_ip');
    expect(text).toMatch(/1 year/);
  });

  it('a dry run computes the counts and a sample of keys and changes nothing', async () => {
    const before = await visitors();
    const run = await runAndWait({ system: 'analytics', dryRun: true });
    expect(run.status).toBe('completed');
    expect(run.datasets[0]).toMatchObject({
      executor: 'mysql',
      scanned: 7,
      deleted: 2,
      anonymised: 2,
      undated: 1,
    });
    expect(run.datasets[0].sampleKeys).toEqual([['2'], ['3'], ['5'], ['6']]);
    expect(await visitors()).toEqual(before);
  });

  it('places a legal hold on a subject', async () => {
    await dpo()
      .post('/legal-holds')
      .send({ scope: 'subject', subjectId: 'vis-E', reason: 'Litigation 2026-14' })
      .expect(201);
  });

  it('purges by time with several purposes: deletes, generalises IPs, keeps what a purpose still needs', async () => {
    const run = await runAndWait({ dataset, dryRun: false });
    expect({ status: run.status, error: run.datasets[0]?.error }).toEqual({
      status: 'completed',
      error: null,
    });
    expect(run.datasets[0]).toMatchObject({
      status: 'completed',
      scanned: 7,
      deleted: 1,
      anonymised: 2,
      held: 1,
      undated: 1,
    });
    const rows = await visitors();
    expect([...rows.keys()]).toEqual([1, 2, 4, 5, 6, 7]); // 3 deleted, 5 held
    const b = rows.get(2)!;
    // crm.support is over: IPs to their network prefix (IPv6 /48 here), user agent nulled,
    // latitude to 1 decimal, and the picture (billing's 10 years from collection are over too)
    // nulled; the e-mail and the visitor id (the newsletter lasts) stay.
    expect(b).toMatchObject({
      location_ip: '2001:db8:abcd::',
      ip_text: '2001:db8:abcd::',
      user_agent: null,
      latitude: '48.800000',
      email: 'vis-B@example.com',
      idvisitor: (0x1002).toString(16).padStart(16, '0').toUpperCase(),
      picture: null,
    });
    const f = rows.get(6)!;
    expect(f).toMatchObject({ location_ip: '192.168.6.0', ip_text: '192.168.6.0', user_agent: null });
    expect(rows.get(1)).toMatchObject({
      location_ip: '192.168.1.18',
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
    });
    // The counts are the database's: one row fewer, two rows generalised.
    const batches = await finalite<{ n: number; deleted: number; anonymised: number }>(
      `SELECT count(*)::int AS n, sum(rows_deleted)::int AS deleted, sum(rows_anonymised)::int AS anonymised
         FROM purge_batch WHERE run_id = $1 AND state = 'committed'`,
      [run.id],
    );
    expect(batches[0]).toEqual({ n: 4, deleted: 1, anonymised: 2 });
    // Re-running changes nothing: anonymisation is idempotent.
    const again = await runAndWait({ dataset, dryRun: false });
    expect(again.totals).toMatchObject({ deleted: 0, anonymised: 0, held: 1 });
    // Finalité's ledger in the customer database keeps one row per dataset run, no more.
    const ledger = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM finalite_purge_ledger`);
    expect(Number(ledger[0].n)).toBe(2);
  });

  it('shows the mysql dataset in the overdue view', async () => {
    const overdue = await dpo().get('/retention/overdue').expect(200);
    const item = overdue.body.items.find((i: { datasetId: string }) => i.datasetId === datasetId);
    expect(item).toMatchObject({
      executor: 'mysql',
      measurable: true,
      dueRows: 0,
      heldRows: 1,
      undatedRows: 1,
      error: null,
    });
  });

  it('purges a held row once its hold is lifted', async () => {
    const holds = await dpo().get('/legal-holds').expect(200);
    const hold = holds.body.items.find((h: { subjectId: string }) => h.subjectId === 'vis-E');
    await dpo()
      .delete(`/legal-holds/${hold.id as string}`)
      .expect(200);
    const run = await runAndWait({ system: 'analytics', dryRun: false });
    expect(run.totals).toMatchObject({ deleted: 1, held: 0 });
    expect((await visitors()).has(5)).toBe(false);
  });

  it('a consent withdrawal purges that subject for the purposes concerned', async () => {
    await t.authoriseApplication(['marketing.newsletter']);
    await t
      .as(Role.Application)
      .post('/subjects/vis-F/consents')
      .send({ purpose: 'marketing.newsletter', status: 'withdrawn', source: 'preference-centre' })
      .expect(201);
    const done = await waitForConsentWithdrawalRun(t);
    // Support ended by time, the newsletter with the withdrawal, billing lasts (collected 12
    // years ago: over too): the whole row goes, and only vis-F's row was considered.
    expect(done.totals).toMatchObject({ scanned: 1, deleted: 1 });
    expect([...(await visitors()).keys()]).toEqual([1, 2, 4, 7]);
  });

  it('erases a subject on request, except what a legal obligation still justifies', async () => {
    const created = await dpo()
      .post('/subjects/vis-G/erasure')
      .send({ reason: 'Art. 17 request, ticket 9001' })
      .expect(202);
    const run = await waitForRun(t, created.body.runId as string);
    expect(run.datasets[0]).toMatchObject({ scanned: 1, deleted: 0, anonymised: 1 });
    const g = (await visitors()).get(7)!;
    const expectedHash = `hmac:${createHmac('sha256', retentionHashKey(t.config)).update('vis-G@example.com').digest('hex')}`;
    // The same keyed hash as PostgreSQL's; the binary visitor id replaced by zero bytes; the
    // picture kept (billing.records, a legal obligation).
    expect(g).toMatchObject({
      email: expectedHash,
      idvisitor: '0000000000000000',
      location_ip: '192.168.7.0',
      user_agent: null,
      picture: '89504E47',
    });
    expect((await visitors()).get(1)).toMatchObject({
      email: 'vis-A@example.com',
      location_ip: '192.168.1.18',
    });
  });

  it('rejects malicious table and column names (API, then at execution)', async () => {
    const bad = await dpo()
      .post('/systems/analytics/datasets')
      .send({ name: `${db.name}.visitors\`; DROP TABLE visitors; --`, primaryKey: ['id'] })
      .expect(400);
    expect(bad.body.error).toBeDefined();
    await finalite(
      `UPDATE personal_field SET column_name = 'email\` = NULL; DROP TABLE visitors; --' WHERE column_name = 'latitude'`,
    );
    const before = (await visitors()).size;
    const run = await runAndWait({ system: 'analytics', dryRun: false });
    expect(run.status).toBe('failed');
    expect(run.datasets[0].error).toMatch(/^refused: unsafe identifier/);
    expect((await visitors()).size).toBe(before);
    await finalite(
      `UPDATE personal_field SET column_name = 'latitude' WHERE column_name = 'email\` = NULL; DROP TABLE visitors; --'`,
    );
    await db.query(`ALTER TABLE visitors RENAME COLUMN latitude TO lat`);
    const missing = await runAndWait({ system: 'analytics', dryRun: true });
    expect(missing.datasets[0].error).toBe(`refused: column latitude does not exist in ${dataset}`);
    await db.query(`ALTER TABLE visitors RENAME COLUMN lat TO latitude`);
  });
});
