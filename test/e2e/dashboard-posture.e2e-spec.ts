import type { Client } from 'pg';
import { AuditIntegrityService } from '../../src/modules/audit/audit-integrity.service';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { declareCrmCustomers } from '../utils/register-fixture';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

const FAX = 'crm.customers.fax';
const IBAN = 'crm.customers.iban';

/** GET /dashboard/posture, checked against SQL on the same database (PostgreSQL). */
describe('Dashboard posture (PostgreSQL)', () => {
  let t: TestApp;
  let db: Client;
  const dpo = () => t.as(Role.Dpo);
  const posture = async (role: Role = Role.Auditor, query = '') =>
    (await t.as(role).get(`/dashboard/posture${query}`).expect(200)).body;

  beforeAll(async () => {
    t = await startTestApp();
    db = await connectTo(t.databaseUrl!);
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code: 'billing', name: 'Invoicing', legalBasis: 'contract' }))
      .expect(201);
    await dpo().post('/purposes/billing/activate').expect(200);
    await declareCrmCustomers(t, { iban: 'financial', fax: 'financial' });
    await dpo()
      .put(`/fields/${IBAN}/purposes`)
      .send({ bindings: [{ purpose: 'billing', actions: ['read'] }] })
      .expect(200);
    await t.authoriseApplication(['billing']);
    const check = (fields: string[]) =>
      t
        .as(Role.Application)
        .post('/access/check')
        .send({ purpose: 'billing', action: 'read', fields })
        .expect(200);
    for (let i = 0; i < 3; i++) await check([IBAN]);
    // Eleven denials in the period and none before it: a spike.
    for (let i = 0; i < 11; i++) await check([FAX]);
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('counts decisions per day and outcome as the trail holds them, with reasons and the spike', async () => {
    const body = await posture();
    const sql = await db.query<{ day: string; decision: string; n: number }>(
      `SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, payload->>'decision' AS decision,
              count(*)::int AS n
         FROM audit_event WHERE type = 'access.decision' GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    expect(sql.rows.length).toBeGreaterThan(0);
    expect(body.access.perDay).toEqual(
      sql.rows.map((r) => ({ day: r.day, outcome: r.decision, count: r.n })),
    );
    expect(body.access.total).toBe(14);
    expect(body.access.byOutcome).toEqual({ allow: 3, deny: 11 });
    expect(body.access.topDenialReasons[0]).toMatchObject({ count: 11 });
    expect(body.access.spikes).toEqual([
      expect.objectContaining({ denials: 11, previousDenials: 0, purposes: ['billing'] }),
    ]);
  });

  it('counts gaps by kind with links to fix them, the same totals as the gaps report', async () => {
    const body = await posture();
    const report = (await t.as(Role.Auditor).get('/reports/gaps').expect(200)).body;
    expect(body.gaps.total).toBe(report.summary.total);
    const byCode = Object.fromEntries(
      Object.entries(report.summary.byCode as Record<string, number>).filter(([, n]) => n > 0),
    );
    expect(
      Object.fromEntries(body.gaps.kinds.map((k: { code: string; count: number }) => [k.code, k.count])),
    ).toEqual(byCode);
    const fieldGap = body.gaps.kinds.find((k: { code: string }) => k.code === 'FIELD_WITHOUT_ACTIVE_PURPOSE');
    expect(fieldGap.examples).toEqual([
      expect.objectContaining({ link: `/fields/${FAX}`, object: { type: 'field', id: FAX } }),
    ]);
  });

  it('records nothing in the audit trail (a page view is not an export)', async () => {
    const count = async () =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_event`)).rows[0].n;
    const before = await count();
    await posture(Role.Dpo);
    expect(await count()).toBe(before);
  });

  it('states the verified head and the age of the last signed checkpoint', async () => {
    const checkpoint = await t.app.get(AuditIntegrityService).createCheckpoint();
    const body = await posture();
    const head = (
      await db.query<{ seq: string; hash: string }>(
        `SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1`,
      )
    ).rows[0];
    expect(body.auditChain.head).toEqual({ seq: Number(head.seq), hash: head.hash, verified: true });
    expect(body.auditChain.lastCheckpoint).toMatchObject({ seq: checkpoint!.headSeq });
    expect(body.auditChain.lastCheckpoint.ageSeconds).toBeGreaterThanOrEqual(0);
  });

  it('refuses a bad period and an application key', async () => {
    const res = await t.as(Role.Auditor).get('/dashboard/posture?days=0').expect(400);
    expect(res.body.error).toBe('VALIDATION_FAILED');
    await t.as(Role.Application).get('/dashboard/posture').expect(403);
    expect((await posture(Role.Auditor, '?days=1')).period).toBeDefined();
  });
});
