import { purposeInput } from '../factories/purpose.factory';
import { Role } from '../../src/policies/role.enum';
import { startTestApp, TestApp } from '../utils/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the HTTP adapter guarantees besides routing (ADR 0044): request ids, CORS, proxies, bodies. */
describe('HTTP adapter', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { CORS_ORIGINS: 'https://app.example', AUTH_FAILURES_PER_MINUTE: '2' },
    });
  });
  afterAll(() => t.close());

  it("answers every request with an X-Request-Id: the caller's when well-formed, else a new UUID", async () => {
    expect((await t.http().get('/health').expect(200)).headers['x-request-id']).toMatch(UUID);
    const traced = await t.http().get('/health').set('X-Request-Id', 'trace-42.a:b').expect(200);
    expect(traced.headers['x-request-id']).toBe('trace-42.a:b');
    const hostile = await t.http().get('/health').set('X-Request-Id', 'no spaces\tor tabs').expect(200);
    expect(hostile.headers['x-request-id']).toMatch(UUID);
    // The id the caller saw is the one in the audit trail.
    const refused = await t.http().get('/me').set('X-Request-Id', 'trace-refused-1').expect(401);
    expect(refused.headers['x-request-id']).toBe('trace-refused-1');
    const events = await t
      .as(Role.Auditor)
      .get('/audit/events')
      .query({ type: 'auth.failed', order: 'desc' })
      .expect(200);
    expect(events.body.items[0].requestId).toBe('trace-refused-1');
    const anonymous = await t.http().get('/me').expect(401);
    expect(anonymous.headers['x-request-id']).toMatch(UUID);
  });

  it('keeps the request id through a POST: body parsing, guards and the handler run in its context', async () => {
    // The context is a Fastify onRequest hook (docs/performance.md, fourth pass): the service
    // reading currentRequestId() after the body was parsed must see the caller's id.
    const created = await t
      .as(Role.Dpo)
      .post('/purposes')
      .set('X-Request-Id', 'trace-post-1')
      .send(purposeInput())
      .expect(201);
    expect(created.headers['x-request-id']).toBe('trace-post-1');
    const events = await t
      .as(Role.Auditor)
      .get('/audit/events')
      .query({ type: 'purpose.created', order: 'desc' })
      .expect(200);
    expect(events.body.items[0].requestId).toBe('trace-post-1');
  });

  it('answers CORS preflights for the configured origins only', async () => {
    const allowed = await t
      .http()
      .options('/me')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(allowed.headers['access-control-max-age']).toBe('600');
    const other = await t
      .http()
      .options('/me')
      .set('Origin', 'https://elsewhere.example')
      .set('Access-Control-Request-Method', 'GET');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('trusts no proxy header: failed authentications count per socket address, whatever X-Forwarded-For says', async () => {
    // AUTH_FAILURES_PER_MINUTE is 2: the third failure from this socket is refused, whatever address
    // each request claims (earlier tests' failures from the same socket only make it come sooner).
    const statuses: number[] = [];
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      const res = await t
        .http()
        .get('/me')
        .set('Authorization', 'Bearer fin_nobody00_x')
        .set('X-Forwarded-For', ip);
      statuses.push(res.status);
      if (res.status === 429) expect(res.body.error).toBe('AUTHENTICATION_THROTTLED');
    }
    expect(statuses[2]).toBe(429);
  });

  it('refuses JSON with a __proto__ key, and bodies in an unknown media type, in the one error shape', async () => {
    const dpo = () => t.as(Role.Dpo);
    const before = (await dpo().get('/purposes').expect(200)).body.items.length;
    const poisoned = `{"__proto__":{"admin":true},${JSON.stringify(purposeInput()).slice(1)}`;
    const res = await dpo()
      .post('/purposes')
      .set('Content-Type', 'application/json')
      .send(poisoned)
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'VALIDATION_FAILED' });
    expect(res.body.details[0].property).toBe('__proto__');
    const xml = await dpo()
      .post('/purposes')
      .set('Content-Type', 'application/xml')
      .send('<purpose/>')
      .expect(415);
    expect(xml.body).toEqual({
      statusCode: 415,
      error: 'UNSUPPORTED_MEDIA_TYPE',
      message: expect.any(String),
    });
    expect((await dpo().get('/purposes').expect(200)).body.items.length).toBe(before);
  });
});
