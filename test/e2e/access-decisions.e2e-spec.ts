import { Client } from 'pg';
import { AccessService } from '../../src/modules/access/access.service';
import { Role } from '../../src/policies/role.enum';
import { accessFixture, EMAIL, IBAN, NAME, PHONE, reasonsOf } from '../utils/access-fixture';
import { TestApp } from '../utils/test-app';

/**
 * The access check's decision rules (one test per reason code, partial answers, sub-purposes,
 * register changes, validation) and the record every decision leaves in the audit trail: the
 * last two tests read the decisions the others made.
 */
describe('Access check (PostgreSQL)', () => {
  const access = accessFixture();
  const { decisionIds, check, bind, countDecisions } = access;
  let t: TestApp;
  let db: Client;
  const startedAt = new Date();
  const dpo = () => t.as(Role.Dpo);

  beforeAll(async () => {
    ({ t, db } = await access.start());
  });
  afterAll(async () => {
    await access.close();
  });

  describe('one test per reason code', () => {
    it.each([
      ['PURPOSE_UNKNOWN', { purpose: 'no.such-purpose', action: 'read', fields: [EMAIL] }],
      ['PURPOSE_NOT_ACTIVE', { purpose: 'analytics', action: 'read', fields: [EMAIL] }],
      ['APPLICATION_NOT_AUTHORISED', { purpose: 'hr.payroll', action: 'read', fields: [NAME] }],
      ['FIELD_UNKNOWN', { purpose: 'billing', action: 'read', fields: ['crm.customers.shoe_size'] }],
      ['FIELD_NOT_BOUND_TO_PURPOSE', { purpose: 'billing', action: 'read', fields: [PHONE] }],
      ['ACTION_NOT_ALLOWED', { purpose: 'billing', action: 'share', fields: [IBAN] }],
      ['CONSENT_REQUIRED', { purpose: 'marketing', action: 'read', fields: [EMAIL] }],
      ['CONSENT_MISSING', { purpose: 'marketing', action: 'read', fields: [EMAIL], subjectId: 'nobody' }],
    ])('%s', async (reason, body) => {
      const res = await check(body).expect(200);
      expect(res.body).toMatchObject({ decision: 'deny', purpose: { code: body.purpose } });
      expect(res.body.fields).toEqual([{ field: body.fields[0], allowed: false, reason }]);
    });

    it('CONSENT_WITHDRAWN: granted → allowed, withdrawn → denied at once', async () => {
      const body = { purpose: 'marketing', action: 'read', fields: [EMAIL], subjectId: 'customer-7' };
      const consent = (status: string) =>
        t
          .as(Role.Application)
          .post('/subjects/customer-7/consents')
          .send({ purpose: 'marketing', status, source: 'shop' })
          .expect(201);
      await consent('granted');
      expect((await check(body).expect(200)).body.decision).toBe('allow');
      await consent('withdrawn');
      const denied = await check(body).expect(200);
      expect(denied.body.decision).toBe('deny');
      expect(reasonsOf(denied.body.fields)).toEqual(['CONSENT_WITHDRAWN']);
    });

    it('SUBJECT_RESTRICTED: a restriction denies use until lifted', async () => {
      const body = { purpose: 'billing', action: 'read', fields: [IBAN], subjectId: 'customer-8' };
      expect((await check(body).expect(200)).body.decision).toBe('allow');
      const restriction = await t
        .as(Role.Application)
        .post('/subjects/customer-8/restrictions')
        .send({ purposes: ['billing'], reason: 'Accuracy contested' })
        .expect(201);
      expect(reasonsOf((await check(body).expect(200)).body.fields)).toEqual(['SUBJECT_RESTRICTED']);
      await dpo()
        .post(`/subjects/customer-8/restrictions/${restriction.body.id as string}/lift`)
        .send({ reason: 'corrected' })
        .expect(200);
      expect((await check(body).expect(200)).body.decision).toBe('allow');
    });
  });

  it('answers partial with obligations on allowed fields, carrying purpose version and policy revision', async () => {
    const res = await check({
      purpose: 'billing',
      action: 'read',
      fields: [EMAIL, IBAN, PHONE],
      context: { screen: 'invoice' },
    }).expect(200);
    expect(res.body).toMatchObject({
      decision: 'partial',
      purpose: { code: 'billing', version: 2 },
      policyRevision: expect.any(Number),
      evaluatedAt: expect.any(String),
    });
    expect(res.body.fields).toEqual([
      { field: EMAIL, allowed: true, reason: 'ALLOWED', obligation: 'mask' },
      { field: IBAN, allowed: true, reason: 'ALLOWED' },
      { field: PHONE, allowed: false, reason: 'FIELD_NOT_BOUND_TO_PURPOSE' },
    ]);
  });

  it('passes a parent binding to a sub-purpose only where appliesToSubPurposes', async () => {
    await t
      .as(Role.Application)
      .post('/subjects/customer-9/consents')
      .send({ purpose: 'marketing.newsletter', status: 'granted', source: 'shop' })
      .expect(201);
    const res = await check({
      purpose: 'marketing.newsletter',
      action: 'read',
      fields: [EMAIL, NAME],
      subjectId: 'customer-9',
    }).expect(200);
    expect(res.body.decision).toBe('partial');
    expect(reasonsOf(res.body.fields)).toEqual(['ALLOWED', 'FIELD_NOT_BOUND_TO_PURPOSE']);
  });

  it('sees a register change at the next check', async () => {
    const body = { purpose: 'billing', action: 'read', fields: [PHONE] };
    const before = await check(body).expect(200);
    expect(before.body.decision).toBe('deny');
    await bind(PHONE, [{ purpose: 'billing', actions: ['read'] }]);
    const after = await check(body).expect(200);
    expect(after.body.decision).toBe('allow');
    expect(after.body.policyRevision).toBeGreaterThan(before.body.policyRevision);
  });

  it('validates requests (400) without recording anything', async () => {
    const before = await countDecisions();
    for (const bad of [
      { purpose: 'billing', action: 'read', fields: [] },
      { purpose: 'Billing!', action: 'read', fields: [IBAN] },
      { purpose: 'billing', action: 'read', fields: [IBAN], subjectId: 'x'.repeat(201) },
      { purpose: 'billing', action: 'read', fields: [IBAN], extra: 1 },
    ]) {
      expect((await check(bad).expect(400)).body.error).toBe('VALIDATION_FAILED');
    }
    expect(await countDecisions()).toBe(before);
  });

  it('records every decision in the audit trail, subject hashed', async () => {
    const rows = await db.query<{
      target_id: string;
      subject_ref: string | null;
      payload: Record<string, unknown>;
    }>(
      `SELECT target_id, subject_ref, payload FROM audit_event WHERE type = 'access.decision' AND target_id = ANY($1)`,
      [decisionIds],
    );
    expect(decisionIds.length).toBeGreaterThan(15);
    expect(rows.rows).toHaveLength(decisionIds.length);
    const partial = rows.rows.find(
      (r) => (r.payload.context as { screen?: string } | null)?.screen === 'invoice',
    );
    expect(partial?.payload).toMatchObject({
      decision: 'partial',
      action: 'read',
      policyRevision: expect.any(Number),
      fields: expect.arrayContaining([
        { field: EMAIL, allowed: true, reason: 'ALLOWED', obligation: 'mask' },
      ]),
    });
    const withSubject = await db.query(
      `SELECT 1 FROM audit_event WHERE type = 'access.decision' AND payload::text LIKE '%customer-7%'`,
    );
    expect(withSubject.rowCount).toBe(0);
  });

  it('summarises decisions per application, purpose and outcome for reports', async () => {
    const summary = await t.app.get(AccessService).summarise(startedAt, new Date(Date.now() + 1000));
    const appId = t.principalIds[Role.Application];
    const billingAllow = summary.byApplicationPurposeOutcome.find(
      (r) => r.applicationId === appId && r.purposeCode === 'billing' && r.decision === 'allow',
    );
    expect(billingAllow?.count).toBeGreaterThanOrEqual(3);
    expect(summary.topDenialReasons.map((r) => r.reason)).toEqual(
      expect.arrayContaining(['CONSENT_WITHDRAWN', 'FIELD_NOT_BOUND_TO_PURPOSE']),
    );
  });
});
