import { testRedisPrefix } from '../utils/redis-keys';
import { connectTo, TEST_REDIS_URL } from '../utils/test-database';
import { startTestApp, TEST_SECRETS, TestApp } from '../utils/test-app';

const FIRST_START = /FIRST START: admin API key (fin_[a-z0-9]{8}_[A-Za-z0-9_-]{43})/;

function firstStartKeys(spy: jest.SpyInstance): string[] {
  return spy.mock.calls
    .map((args: unknown[]) => FIRST_START.exec(String(args[0]))?.[1])
    .filter((k): k is string => k !== undefined);
}

describe('First start, rate limits and HTTP hardening', () => {
  afterEach(() => jest.restoreAllMocks());

  it('with no BOOTSTRAP_ADMIN_KEY, generates an admin key, prints it once, and never again', async () => {
    // Printed on stderr whatever the log level: even LOG_LEVEL=error must not lose the only admin key.
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const first = await startTestApp({
      provision: false,
      env: { BOOTSTRAP_ADMIN_KEY: '', LOG_LEVEL: 'error' },
    });
    let second: TestApp | undefined;
    try {
      const printed = firstStartKeys(stderr);
      expect(printed).toHaveLength(1);
      stderr.mockRestore();
      const me = await first.withKey(printed[0]).get('/me').expect(200);
      expect(me.body).toMatchObject({
        name: 'Bootstrap admin',
        roles: ['admin'],
        keyPrefix: printed[0].slice(0, 12),
      });
      // The bootstrap admin does what the tour says: creates a DPO whose key works.
      const dpo = await first
        .withKey(printed[0])
        .post('/principals')
        .send({ name: 'Claire (DPO)', roles: ['dpo'] })
        .expect(201);
      await first.withKey(dpo.body.key).get('/purposes').expect(200);

      const stderrAgain = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      second = await startTestApp({
        provision: false,
        databaseUrl: first.databaseUrl!,
        env: { BOOTSTRAP_ADMIN_KEY: '', LOG_LEVEL: 'error' },
      });
      expect(firstStartKeys(stderrAgain)).toEqual([]);
      stderrAgain.mockRestore();
      await second.withKey(printed[0]).get('/me').expect(200);
      const admins = await second.withKey(printed[0]).get('/principals').query({ role: 'admin' }).expect(200);
      expect(admins.body.items).toHaveLength(1);
    } finally {
      await second?.close();
      await first.close();
    }
  });

  it('throttles failed authentications per client, recording one event for the flood, never refusing valid keys', async () => {
    const t = await startTestApp({ provision: false, env: { AUTH_FAILURES_PER_MINUTE: '5' } });
    try {
      const bad = () => t.withKey('fin_zzzzzzzz_' + 'B'.repeat(43)).get('/purposes');
      for (let i = 0; i < 5; i += 1) await bad().expect(401);
      for (let i = 0; i < 10; i += 1) {
        const throttled = await bad().expect(429);
        expect(throttled.body).toEqual({
          statusCode: 429,
          error: 'AUTHENTICATION_THROTTLED',
          message: expect.any(String),
        });
        expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
      }
      await t.http().get('/purposes').expect(429); // a missing key is a failure too
      // A valid key from the same client still works.
      await t.withKey(TEST_SECRETS.BOOTSTRAP_ADMIN_KEY).get('/me').expect(200);
      const db = await connectTo(t.databaseUrl!);
      try {
        const events = await db.query<{ type: string; n: string }>(
          `SELECT type, count(*) AS n FROM audit_event WHERE type IN ('auth.failed', 'auth.throttled') GROUP BY type ORDER BY type`,
        );
        expect(events.rows.map((r) => [r.type, Number(r.n)])).toEqual([
          ['auth.failed', 5],
          ['auth.throttled', 1],
        ]);
      } finally {
        await db.end();
      }
    } finally {
      await t.close();
    }
  });

  it('limits requests per key (429 in the standard body), not per route, and never throttles health', async () => {
    const t = await startTestApp({
      provision: false,
      env: { RATE_LIMIT_PER_MINUTE: '3', CORS_ORIGINS: 'https://app.example' },
    });
    try {
      const admin = () => t.withKey(TEST_SECRETS.BOOTSTRAP_ADMIN_KEY);
      const dpo = await admin()
        .post('/principals')
        .send({ name: 'other key', roles: ['dpo'] })
        .expect(201);
      await admin().get('/me').expect(200);
      await admin().get('/principals').expect(200);
      const limited = await admin().get('/me').expect(429);
      expect(limited.body).toEqual({ statusCode: 429, error: 'RATE_LIMITED', message: expect.any(String) });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Another key has its own budget; health probes are not counted.
      await t.withKey(dpo.body.key).get('/me').expect(200);
      for (let i = 0; i < 6; i += 1) await t.http().get('/health').expect(200);

      // CORS: only the configured origin is allowed.
      const allowed = await t.http().get('/health').set('Origin', 'https://app.example').expect(200);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
      const other = await t.http().get('/health').set('Origin', 'https://evil.example').expect(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('shares the per-key limit across instances through Redis', async () => {
    const env = {
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: testRedisPrefix(),
      RATE_LIMIT_PER_MINUTE: '4',
    };
    const a = await startTestApp({ provision: false, env });
    const b = await startTestApp({ provision: false, env, databaseUrl: a.databaseUrl! });
    try {
      const key = TEST_SECRETS.BOOTSTRAP_ADMIN_KEY;
      await a.withKey(key).get('/me').expect(200);
      await a.withKey(key).get('/me').expect(200);
      await b.withKey(key).get('/me').expect(200);
      await b.withKey(key).get('/me').expect(200);
      expect((await b.withKey(key).get('/me').expect(429)).body.error).toBe('RATE_LIMITED');
      await a.withKey(key).get('/me').expect(429);
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('closes CORS by default and sends security headers', async () => {
    const t = await startTestApp({ provision: false });
    try {
      const res = await t.http().get('/health').set('Origin', 'https://app.example').expect(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-powered-by']).toBeUndefined();
      // JSON answers, errors included (a refused request, an unknown route): nothing may load, run
      // or frame them (ADR 0053, fourth pass). Only the Swagger UI at /docs gets the looser CSP.
      for (const answer of [
        res,
        await t.http().get('/me').expect(401),
        await t.http().get('/nowhere').expect(404),
        await t.http().get('/docs-json').expect(200), // the OpenAPI description stays public
      ]) {
        expect(answer.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
        expect(answer.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
        expect(answer.headers['x-frame-options']).toBe('DENY');
      }
      const docs = await t.http().get('/docs').redirects(1).expect(200);
      expect(docs.headers['content-security-policy']).toBe(
        "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';" +
          "img-src 'self' data:;object-src 'none';script-src 'self' 'unsafe-inline';script-src-attr 'none';" +
          "style-src 'self' 'unsafe-inline';upgrade-insecure-requests",
      );
    } finally {
      await t.close();
    }
  });
});
