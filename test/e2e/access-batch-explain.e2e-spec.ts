import { AuditTrailUnavailable } from '../../src/modules/audit/audit.errors';
import { AuditService } from '../../src/modules/audit/audit.service';
import { Role } from '../../src/policies/role.enum';
import { accessFixture, EMAIL, IBAN, NAME } from '../utils/access-fixture';
import { TestApp } from '../utils/test-app';

/**
 * The access check in batch, explained to a DPO, and failing closed (503) when the audit trail
 * cannot record a decision. customer-7 has withdrawn their marketing consent, as access-decisions
 * leaves them.
 */
describe('Access check (PostgreSQL)', () => {
  const access = accessFixture({ withdrewMarketing: ['customer-7'] });
  const { decisionIds, check, countDecisions, countEvents } = access;
  let t: TestApp;
  const dpo = () => t.as(Role.Dpo);

  beforeAll(async () => {
    ({ t } = await access.start());
  });
  afterAll(async () => {
    await access.close();
  });

  describe('batch', () => {
    it('answers each check in order and records each', async () => {
      const before = await countDecisions();
      const res = await t
        .as(Role.Application)
        .post('/access/check/batch')
        .send({
          checks: [
            { purpose: 'billing', action: 'read', fields: [IBAN], subjectId: 'b-1' },
            { purpose: 'hr.payroll', action: 'read', fields: [NAME] },
            { purpose: 'marketing', action: 'read', fields: [EMAIL], subjectId: 'customer-7' },
          ],
        })
        .expect(200);
      expect(res.body.results.map((r: { decision: string }) => r.decision)).toEqual([
        'allow',
        'deny',
        'deny',
      ]);
      expect(res.body.results[2].fields[0].reason).toBe('CONSENT_WITHDRAWN');
      decisionIds.push(...res.body.results.map((r: { decisionId: string }) => r.decisionId));
      expect(await countDecisions()).toBe(before + 3);
    });

    it('refuses more than 1,000 checks with 413 and the limit in the message', async () => {
      const checks = Array.from({ length: 1001 }, () => ({
        purpose: 'billing',
        action: 'read',
        fields: [IBAN],
      }));
      const res = await t.as(Role.Application).post('/access/check/batch').send({ checks }).expect(413);
      expect(res.body.error).toBe('ACCESS_BATCH_TOO_LARGE');
      expect(res.body.message).toContain('1000');
      // The size is refused before the items are validated: a bad item does not turn it into a 400.
      const withBadItem = [...checks, { purpose: 'NOT A CODE', action: 'fly', fields: 'x' }];
      const bad = await t
        .as(Role.Application)
        .post('/access/check/batch')
        .send({ checks: withBadItem })
        .expect(413);
      expect(bad.body.details).toEqual({ limit: 1000, received: 1002 });
    });
  });

  describe('explain', () => {
    it('gives a DPO the rule trail, evaluated as an application, without recording a decision', async () => {
      const before = await countDecisions();
      const explainedBefore = await countEvents('access.explained');
      const res = await dpo()
        .post('/access/explain')
        .send({
          purpose: 'marketing',
          action: 'read',
          fields: [EMAIL],
          subjectId: 'customer-7',
          applicationId: t.principalIds[Role.Application],
        })
        .expect(200);
      // Audited as access.explained (so the answer says so), never as an application decision.
      expect(res.body).toMatchObject({ decision: 'deny', recordedAs: 'access.explained' });
      expect(res.body).not.toHaveProperty('recorded');
      expect(await countEvents('access.explained')).toBe(explainedBefore + 1);
      const trail = res.body.fields[0].trail as { rule: string; outcome: string }[];
      expect(trail.map((s) => s.outcome)).toEqual([
        'pass',
        'pass',
        'pass',
        'pass',
        'pass',
        'pass',
        'pass',
        'pass',
        'fail',
      ]);
      expect(trail.at(-1)!.rule).toBe('CONSENT_WITHDRAWN');
      expect(await countDecisions()).toBe(before);
    });

    it('is for DPOs only', async () => {
      const res = await t
        .as(Role.Application)
        .post('/access/explain')
        .send({ purpose: 'billing', action: 'read', fields: [IBAN] })
        .expect(403);
      expect(res.body.error).toBe('EXPLAIN_NOT_ALLOWED');
    });
  });

  it('answers 503, never a decision, when the audit trail cannot make the record durable', async () => {
    const body = { purpose: 'billing', action: 'read', fields: [IBAN] };
    expect((await check(body).expect(200)).body.decision).toBe('allow');
    // The trail's own failure signal (its writer rejects when a COMMIT fails): the decision is withheld.
    const audit = t.app.get(AuditService);
    const refuse = jest
      .spyOn(audit, 'append')
      .mockRejectedValueOnce(new AuditTrailUnavailable('commit failed'))
      .mockRejectedValueOnce(new Error('connection terminated'));
    try {
      const before = await countDecisions();
      for (const expected of ['AUDIT_TRAIL_UNAVAILABLE', 'ACCESS_CHECK_UNAVAILABLE']) {
        const res = await check(body).expect(503);
        expect(res.body).toMatchObject({ statusCode: 503, error: expected });
        expect(res.body.decision).toBeUndefined();
      }
      expect(await countDecisions()).toBe(before);
    } finally {
      refuse.mockRestore();
    }
    expect((await check(body).expect(200)).body.decision).toBe('allow');
  });
});
