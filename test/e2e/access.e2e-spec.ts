import { createServer, Server, Socket } from 'node:net';
import { Client } from 'pg';
import { AccessService } from '../../src/modules/access/access.service';
import { AuditTrailUnavailable } from '../../src/modules/audit/audit.errors';
import { AuditService } from '../../src/modules/audit/audit.service';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

const EMAIL = 'crm.customers.email';
const NAME = 'crm.customers.name';
const IBAN = 'crm.customers.iban';
const PHONE = 'crm.customers.phone';

interface FieldAnswer {
  field: string;
  allowed: boolean;
  reason: string;
  obligation?: string;
}

describe('Access check (PostgreSQL)', () => {
  let t: TestApp;
  let db: Client;
  const startedAt = new Date();
  const decisionIds: string[] = [];
  const dpo = () => t.as(Role.Dpo);

  /** One check as the application; `.expect(status)` sends it and remembers the decision id. */
  function check(body: Record<string, unknown>, on: TestApp = t) {
    return {
      expect: async (status: number) => {
        const res = await on.as(Role.Application).post('/access/check').send(body).expect(status);
        if (res.status === 200) decisionIds.push(res.body.decisionId as string);
        return res;
      },
    };
  }
  const reasonsOf = (fields: FieldAnswer[]) => fields.map((f) => f.reason);

  async function activePurpose(code: string, overrides: Record<string, unknown> = {}) {
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code, ...overrides }))
      .expect(201);
    await dpo().post(`/purposes/${code}/activate`).expect(200);
  }
  async function bind(field: string, bindings: Record<string, unknown>[]) {
    await dpo().put(`/fields/${field}/purposes`).send({ bindings }).expect(200);
  }

  beforeAll(async () => {
    t = await startTestApp();
    db = await connectTo(t.databaseUrl!);
    await activePurpose('billing', { legalBasis: 'contract' });
    await activePurpose('hr.payroll', { legalBasis: 'contract' });
    await activePurpose('marketing');
    await activePurpose('marketing.newsletter', { parentCode: 'marketing', legalBasis: null });
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code: 'analytics', legalBasis: 'contract' }))
      .expect(201);
    await dpo().post('/systems').send({ code: 'crm', name: 'Customer CRM', kind: 'manual' }).expect(201);
    await dpo()
      .post('/systems/crm/datasets')
      .send({ name: 'public.customers', primaryKey: ['id'], subjectColumn: 'id' })
      .expect(201);
    for (const [column, dataCategory] of [
      ['email', 'contact'],
      ['name', 'identity'],
      ['iban', 'financial'],
      ['phone', 'contact'],
    ]) {
      await dpo()
        .post('/fields')
        .send({ system: 'crm', dataset: 'public.customers', column, dataCategory })
        .expect(201);
    }
    await bind(EMAIL, [
      { purpose: 'marketing', actions: ['read'], appliesToSubPurposes: true },
      { purpose: 'billing', actions: ['read'], obligation: 'mask' },
    ]);
    await bind(NAME, [
      { purpose: 'marketing', actions: ['read'] },
      { purpose: 'billing', actions: ['read', 'write'] },
      { purpose: 'hr.payroll', actions: ['read'] },
    ]);
    await bind(IBAN, [{ purpose: 'billing', actions: ['read'] }]);
    await t.authoriseApplication(['billing', 'marketing', 'marketing.newsletter']);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
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

  describe('with a second instance', () => {
    let second: TestApp;
    let proxy: PgProxy;

    beforeAll(async () => {
      // The second instance reaches PostgreSQL through a proxy the test can cut.
      proxy = await startPgProxy();
      const url = new URL(t.databaseUrl!);
      url.port = String(proxy.port);
      second = await startTestApp({ databaseUrl: url.toString() });
    });
    afterAll(async () => {
      proxy?.restore();
      await second?.close();
      await proxy?.close();
    });

    it("sees the other instance's register change within a second", async () => {
      const body = { purpose: 'billing', action: 'read', fields: [PHONE] };
      expect((await check(body, second).expect(200)).body.decision).toBe('allow');
      await bind(PHONE, []); // on the first instance
      const answer = await eventually(
        async () => (await check(body, second).expect(200)).body,
        (b) => b.decision === 'deny',
      );
      expect(answer.fields[0].reason).toBe('FIELD_NOT_BOUND_TO_PURPOSE');
    });

    it("sees the other instance's consent withdrawal at once, despite its cache", async () => {
      const body = { purpose: 'marketing', action: 'read', fields: [EMAIL], subjectId: 'customer-10' };
      await t
        .as(Role.Application)
        .post('/subjects/customer-10/consents')
        .send({ purpose: 'marketing', status: 'granted', source: 'shop' })
        .expect(201);
      expect((await check(body, second).expect(200)).body.decision).toBe('allow'); // now cached there
      await t
        .as(Role.Application)
        .post('/subjects/customer-10/consents')
        .send({ purpose: 'marketing', status: 'withdrawn', source: 'shop' })
        .expect(201);
      // No retry: once the withdrawal is acknowledged, no instance answers from the old state.
      const answer = (await check(body, second).expect(200)).body;
      expect(answer.decision).toBe('deny');
      expect(answer.fields[0].reason).toBe('CONSENT_WITHDRAWN');
    });

    it("sees the other instance's restriction at once", async () => {
      const body = { purpose: 'marketing', action: 'read', fields: [EMAIL], subjectId: 'customer-11' };
      await t
        .as(Role.Application)
        .post('/subjects/customer-11/consents')
        .send({ purpose: 'marketing', status: 'granted', source: 'shop' })
        .expect(201);
      expect((await check(body, second).expect(200)).body.decision).toBe('allow'); // now cached there
      await t
        .as(Role.Dpo)
        .post('/subjects/customer-11/restrictions')
        .send({ purposes: ['marketing'], reason: 'art. 18 request' })
        .expect(201);
      const answer = (await check(body, second).expect(200)).body;
      expect(answer.decision).toBe('deny');
      expect(answer.fields[0].reason).toBe('SUBJECT_RESTRICTED');
    });

    it('answers 503, never allow, while its database is unreachable', async () => {
      const body = { purpose: 'billing', action: 'read', fields: [IBAN] };
      expect((await check(body, second).expect(200)).body.decision).toBe('allow');
      proxy.cut();
      for (let i = 0; i < 3; i += 1) {
        const res = await second.as(Role.Application).post('/access/check').send(body);
        expect(res.status).toBe(503);
        expect(res.body.decision).toBeUndefined();
      }
      proxy.restore();
    });
  });

  async function countEvents(type: string): Promise<number> {
    const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_event WHERE type = $1`, [
      type,
    ]);
    return Number(rows.rows[0].n);
  }

  async function countDecisions(): Promise<number> {
    const rows = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_event WHERE type = 'access.decision'`,
    );
    return Number(rows.rows[0].n);
  }
});

/** Retries until `done` holds or 1.5 s have passed (propagation between instances is asynchronous). */
async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 1_500;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface PgProxy {
  port: number;
  /** Drops every connection and refuses new ones (the database becomes unreachable). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A TCP relay to the local PostgreSQL that the test can cut, as a network partition would. */
async function startPgProxy(target = { host: '127.0.0.1', port: 5432 }): Promise<PgProxy> {
  const sockets = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    upstream.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    cut: () => {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    restore: () => {
      cut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
