import { Role } from '../../src/policies/role.enum';
import { createCrm, Crm, registerCrm } from '../utils/crm-fixture';
import { startTestApp, TestApp } from '../utils/test-app';

/** GET /audit/decisions: the recorded access decisions, searched on the server (subject hashed there). */
describe('Access decision search (GET /audit/decisions)', () => {
  let t: TestApp;
  let crm: Crm;
  const check = (body: Record<string, unknown>) =>
    t.as(Role.Application).post('/access/check').send(body).expect(200);

  beforeAll(async () => {
    t = await startTestApp({ env: { RETENTION_SCHEDULER: 'off' } });
    crm = await createCrm('decisions');
    await registerCrm(t, crm);
    await t.authoriseApplication(['crm.support', 'marketing.newsletter']);
    await t
      .as(Role.Application)
      .post('/subjects/cust-1/consents')
      .send({ purpose: 'marketing.newsletter', status: 'granted', source: 'shop' })
      .expect(201);
    await t
      .as(Role.Application)
      .post('/subjects/cust-2/consents')
      .send({ purpose: 'marketing.newsletter', status: 'withdrawn', source: 'shop' })
      .expect(201);
    await check({
      purpose: 'crm.support',
      action: 'read',
      fields: ['crm.customers.email'],
      subjectId: 'cust-1',
    });
    await check({
      purpose: 'marketing.newsletter',
      action: 'read',
      fields: ['crm.customers.email', 'crm.customers.postcode'],
      subjectId: 'cust-2',
    });
    await check({
      purpose: 'marketing.newsletter',
      action: 'read',
      fields: ['crm.customers.email'],
      subjectId: 'cust-1',
    });
    // Not a decision: an explanation is never listed.
    await t
      .as(Role.Dpo)
      .post('/access/explain')
      .send({
        purpose: 'marketing.newsletter',
        action: 'read',
        fields: ['crm.customers.email'],
        subjectId: 'cust-2',
      })
      .expect(200);
  });
  afterAll(async () => {
    await t?.close();
    await crm?.close();
  });

  it('lists decisions newest first with per-field reasons and the register revision', async () => {
    const res = await t.as(Role.Dpo).get('/audit/decisions').expect(200);
    expect(res.body.items).toHaveLength(3);
    const [newest, middle] = res.body.items;
    expect(newest.seq).toBeGreaterThan(middle.seq);
    expect(middle).toMatchObject({
      purposeCode: 'marketing.newsletter',
      decision: 'deny',
      action: 'read',
      application: { id: t.principalIds[Role.Application], type: 'principal' },
      fields: [
        { field: 'crm.customers.email', allowed: false, reason: 'CONSENT_WITHDRAWN' },
        { field: 'crm.customers.postcode', allowed: false, reason: 'CONSENT_WITHDRAWN' },
      ],
    });
    expect(middle.policyRevision).toEqual(expect.any(Number));
    expect(middle.subjectRef).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(res.body)).not.toContain('cust-2');
  });

  it('filters by subject (hashed by the service), purpose, field with reason, outcome, application and time', async () => {
    const bySubject = await t.as(Role.Auditor).get('/audit/decisions?subjectId=cust-1').expect(200);
    expect(bySubject.body.items.map((d: { purposeCode: string }) => d.purposeCode)).toEqual([
      'marketing.newsletter',
      'crm.support',
    ]);
    const byReason = await t
      .as(Role.Dpo)
      .get('/audit/decisions')
      .query({ field: 'crm.customers.postcode', reason: 'CONSENT_WITHDRAWN' })
      .expect(200);
    expect(byReason.body.items).toHaveLength(1);
    // Field and reason match the same element: the allowed email of cust-1 is not a withdrawal.
    const none = await t
      .as(Role.Dpo)
      .get('/audit/decisions')
      .query({ field: 'crm.customers.email', reason: 'SUBJECT_RESTRICTED' })
      .expect(200);
    expect(none.body.items).toEqual([]);
    const denied = await t.as(Role.Dpo).get('/audit/decisions?decision=deny').expect(200);
    expect(denied.body.items).toHaveLength(1);
    const byPurpose = await t.as(Role.Dpo).get('/audit/decisions?purpose=crm.support').expect(200);
    expect(byPurpose.body.items).toHaveLength(1);
    const otherApp = await t
      .as(Role.Dpo)
      .get(`/audit/decisions?application=${t.principalIds[Role.Dpo]}`)
      .expect(200);
    expect(otherApp.body.items).toEqual([]);
    const future = await t
      .as(Role.Dpo)
      .get('/audit/decisions')
      .query({ from: new Date(Date.now() + 3_600_000).toISOString() })
      .expect(200);
    expect(future.body.items).toEqual([]);
  });

  it('pages with a cursor', async () => {
    const first = await t.as(Role.Dpo).get('/audit/decisions?limit=2').expect(200);
    expect(first.body.items).toHaveLength(2);
    const second = await t
      .as(Role.Dpo)
      .get('/audit/decisions')
      .query({ limit: 2, cursor: first.body.nextCursor })
      .expect(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
  });

  it('refuses bad filters with a structured 400 and applications with 403', async () => {
    const bad = await t.as(Role.Dpo).get('/audit/decisions?reason=lower-case').expect(400);
    expect(bad.body.error).toBe('VALIDATION_FAILED');
    const range = await t
      .as(Role.Dpo)
      .get('/audit/decisions')
      .query({ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' })
      .expect(400);
    expect(range.body.error).toBe('AUDIT_RANGE_INVALID');
    await t.as(Role.Dpo).get('/audit/decisions?cursor=nonsense').expect(400);
    await t.as(Role.Dpo).get('/audit/decisions?application=not-a-uuid').expect(400);
    await t.as(Role.Application).get('/audit/decisions').expect(403);
    await t.as(Role.Admin).get('/audit/decisions').expect(403);
  });
});
