import { createServer, Server, Socket } from 'node:net';
import { Role } from '../../src/policies/role.enum';
import { accessFixture, EMAIL, IBAN, PHONE } from '../utils/access-fixture';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * The access check on a second instance sharing the database: register changes, consent
 * withdrawals and restrictions made on the first reach it, and it fails closed (503) while its
 * database is unreachable. The phone is bound to billing, as access-decisions leaves it.
 */
describe('Access check (PostgreSQL)', () => {
  const access = accessFixture({ bindings: { [PHONE]: [{ purpose: 'billing', actions: ['read'] }] } });
  const { check, bind } = access;
  let t: TestApp;

  beforeAll(async () => {
    ({ t } = await access.start());
  });
  afterAll(async () => {
    await access.close();
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
