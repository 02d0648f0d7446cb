import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { Role } from '../../src/policies/role.enum';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

/** Console sessions (ADR 0039): sign-in with a key, cookie flags, CSRF, revocation, expiry, sign-out, audit. */

interface SignedIn {
  cookie: string;
  setCookie: string;
  csrfToken: string;
  body: Record<string, unknown>;
}

async function signIn(t: TestApp, apiKey: string): Promise<SignedIn> {
  const res = await t.http().post('/auth/session').send({ apiKey }).expect(201);
  const setCookie = String(res.headers['set-cookie']?.[0] ?? '');
  return {
    setCookie,
    cookie: setCookie.split(';')[0],
    csrfToken: res.body.csrfToken as string,
    body: res.body as Record<string, unknown>,
  };
}

/** Cookie only, as a browser sends it (a fresh agent: no cookie jar carried over). */
const withSession = (t: TestApp, s: SignedIn): request.Agent => t.http().set('Cookie', s.cookie);

async function auditEvents(
  t: TestApp,
  types: string[],
): Promise<{ type: string; payload: Record<string, unknown> }[]> {
  const db = await connectTo(t.databaseUrl!);
  try {
    const res = await db.query(`SELECT type, payload FROM audit_event WHERE type = ANY($1) ORDER BY seq`, [
      types,
    ]);
    return res.rows as { type: string; payload: Record<string, unknown> }[];
  } finally {
    await db.end();
  }
}

describe('Console sessions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('exchanges a key for an HttpOnly, SameSite=Strict cookie on / and answers the session without the key', async () => {
    const s = await signIn(t, t.keys[Role.Dpo]!);
    expect(s.setCookie).toMatch(/^finalite_session=[A-Za-z0-9_-]{43};/);
    expect(s.setCookie).toContain('HttpOnly');
    expect(s.setCookie).toContain('SameSite=Strict');
    expect(s.setCookie).toContain('Path=/');
    // Secure by default, even over plain HTTP from 127.0.0.1 (browsers keep it on loopback).
    expect(s.setCookie).toContain('Secure');
    expect(JSON.stringify(s.body)).not.toContain(t.keys[Role.Dpo]!);
    expect(s.body).toMatchObject({
      principal: { id: t.principalIds[Role.Dpo], roles: ['dpo'] },
      idleTimeoutSeconds: 1800,
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });

    const current = await withSession(t, s).get('/auth/session').expect(200);
    expect(current.body).toMatchObject({ id: s.body.id, csrfToken: s.csrfToken });
    const me = await withSession(t, s).get('/me').expect(200);
    expect(me.body.id).toBe(t.principalIds[Role.Dpo]);

    const db = await connectTo(t.databaseUrl!);
    try {
      const stored = await db.query(`SELECT token_hash FROM console_session WHERE id = $1`, [s.body.id]);
      const token = s.cookie.split('=')[1];
      expect(stored.rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored.rows[0].token_hash).not.toBe(token);
    } finally {
      await db.end();
    }
  });

  it('leaves Secure off only when configured so (false, or auto on plain HTTP from loopback)', async () => {
    for (const setting of ['false', 'auto']) {
      const plain = await startTestApp({ env: { SESSION_COOKIE_SECURE: setting }, provision: false });
      try {
        const res = await plain
          .http()
          .post('/auth/session')
          .send({ apiKey: plain.config.BOOTSTRAP_ADMIN_KEY });
        expect(res.status).toBe(201);
        expect(String(res.headers['set-cookie']?.[0])).not.toContain('Secure');
      } finally {
        await plain.close();
      }
    }
  });

  it('refuses an unsafe cookie-authenticated request without the right X-CSRF-Token; a key needs none', async () => {
    const s = await signIn(t, t.keys[Role.Dpo]!);
    const draft = { code: 'csrf.probe', name: 'CSRF probe', description: 'Probe', legalBasis: 'consent' };
    const missing = await withSession(t, s).post('/purposes').send(draft);
    expect(missing.status).toBe(403);
    expect(missing.body.error).toBe('CSRF_TOKEN_INVALID');
    const wrong = await withSession(t, s).post('/purposes').set('X-CSRF-Token', 'x'.repeat(43)).send(draft);
    expect(wrong.body.error).toBe('CSRF_TOKEN_INVALID');
    const signOut = await withSession(t, s).delete('/auth/session');
    expect(signOut.body.error).toBe('CSRF_TOKEN_INVALID');
    // Reads need no token; the same write with it reaches validation and the service.
    await withSession(t, s).get('/purposes').expect(200);
    const withToken = await withSession(t, s).post('/purposes').set('X-CSRF-Token', s.csrfToken).send({});
    expect(withToken.status).toBe(400);
    const byKey = await t.as(Role.Dpo).post('/purposes').send({});
    expect(byKey.status).toBe(400);
  });

  it('applies the same rules as the key: an auditor session cannot write', async () => {
    const s = await signIn(t, t.keys[Role.Auditor]!);
    await withSession(t, s).get('/purposes').expect(200);
    const write = await withSession(t, s).post('/purposes').set('X-CSRF-Token', s.csrfToken).send({});
    expect(write.status).toBe(403);
    expect(write.body.error).toBe('FORBIDDEN');
  });

  it('refuses an application principal with its own code', async () => {
    const res = await t.http().post('/auth/session').send({ apiKey: t.keys[Role.Application] });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('CONSOLE_NOT_FOR_APPLICATIONS');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a bad key with 401 and records it as a failed authentication', async () => {
    const res = await t
      .http()
      .post('/auth/session')
      .send({ apiKey: 'fin_nosuchky_' + 'a'.repeat(43) });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('UNAUTHENTICATED');
    expect(res.headers['set-cookie']).toBeUndefined();
    const failed = await auditEvents(t, ['auth.failed']);
    expect(
      failed.some((e) => e.payload.route === '/auth/session' && e.payload.keyPrefix === 'fin_nosuchky'),
    ).toBe(true);
    const malformed = await t.http().post('/auth/session').send({ apiKey: 42 });
    expect(malformed.status).toBe(400);
  });

  it('signs out: the session ends at once, the cookie is cleared, start and end are audited', async () => {
    const s = await signIn(t, t.keys[Role.Auditor]!);
    const out = await withSession(t, s).delete('/auth/session').set('X-CSRF-Token', s.csrfToken).expect(204);
    expect(String(out.headers['set-cookie']?.[0])).toMatch(/^finalite_session=;.*Expires=Thu, 01 Jan 1970/);
    const after = await withSession(t, s).get('/me');
    expect(after.status).toBe(401);
    const events = await auditEvents(t, ['session.started', 'session.ended']);
    expect(
      events.filter((e) => e.payload.sessionId === s.body.id).map((e) => [e.type, e.payload.reason]),
    ).toEqual([
      ['session.started', undefined],
      ['session.ended', 'signed_out'],
    ]);
  });

  it('ends the session when its key is revoked or its principal disabled', async () => {
    const admin = () => t.as(Role.Admin);
    const created = await admin()
      .post('/principals')
      .send({ name: 'session revocation', roles: ['dpo'] })
      .expect(201);
    const s = await signIn(t, created.body.key as string);
    await withSession(t, s).get('/me').expect(200);
    await admin().delete(`/principals/${created.body.id}/keys/${created.body.keyId}`).expect(204);
    expect((await withSession(t, s).get('/me')).status).toBe(401);

    const other = await admin().post(`/principals/${created.body.id}/keys`).send({}).expect(201);
    const s2 = await signIn(t, other.body.key as string);
    await withSession(t, s2).get('/me').expect(200);
    await admin().patch(`/principals/${created.body.id}`).send({ disabled: true }).expect(200);
    expect((await withSession(t, s2).get('/me')).status).toBe(401);

    const ended = await auditEvents(t, ['session.ended']);
    expect(
      ended.filter((e) => [s.body.id, s2.body.id].includes(e.payload.sessionId)).map((e) => e.payload.reason),
    ).toEqual(['revoked', 'principal_disabled']);
  });

  it('GET /auth/session with an API key says there is no session', async () => {
    const res = await t.as(Role.Dpo).get('/auth/session');
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('NO_CONSOLE_SESSION');
  });

  it('ends sessions at the configured idle timeout and absolute lifetime, and audits the expiry', async () => {
    const short = await startTestApp({
      provision: false,
      env: { SESSION_IDLE_TIMEOUT_SECONDS: '2', SESSION_MAX_LIFETIME_SECONDS: '4' },
    });
    try {
      const key = short.config.BOOTSTRAP_ADMIN_KEY!;
      const idle = await signIn(short, key);
      await withSession(short, idle).get('/me').expect(200);
      await sleep(2200);
      expect((await withSession(short, idle).get('/me')).status).toBe(401);

      const active = await signIn(short, key);
      const started = Date.now();
      // Requests every second keep it alive past its idle timeout, until its absolute lifetime.
      while (Date.now() - started < 3000) {
        await sleep(900);
        await withSession(short, active).get('/me').expect(200);
      }
      await sleep(Math.max(0, 4100 - (Date.now() - started)));
      expect((await withSession(short, active).get('/me')).status).toBe(401);

      const expired = await auditEvents(short, ['session.expired']);
      expect(expired.map((e) => [e.payload.sessionId, e.payload.reason])).toEqual([
        [idle.body.id, 'idle_timeout'],
        [active.body.id, 'max_lifetime'],
      ]);
    } finally {
      await short.close();
    }
  });
});
