import { Client } from 'pg';
import { monotonicNow, PgListener } from '../../src/database/pg-listener';
import { createTestDatabase, TestDatabase, withAdmin } from '../utils/test-database';

const until = async (condition: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('PgListener (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('pg_listener');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('delivers notifications, catches up before going live, and reconnects after losing its backend', async () => {
    const heard: string[] = [];
    const events: string[] = [];
    const listener = new PgListener({
      connectionString: db.url,
      applicationName: 'pg-listener-test',
      channels: ['test_channel_a', 'test_channel_b'],
      onNotification: (channel, payload) => heard.push(`${channel}:${payload ?? ''}`),
      onListening: () => {
        events.push(`listening(live=${String(listener.listening)})`);
      },
      onLost: () => events.push('lost'),
    });
    listener.start();
    try {
      await until(() => listener.listening);
      expect(events).toEqual(['listening(live=false)']);
      expect(await listener.ping()).toBe(true);

      await withAdmin(
        (c) => c.query(`SELECT pg_notify('test_channel_a', '1'), pg_notify('test_channel_b', 'x')`),
        db.url,
      );
      await until(() => heard.length === 2);
      expect(heard.sort()).toEqual(['test_channel_a:1', 'test_channel_b:x']);

      // Kill its backend: it notices, stops claiming to listen, and comes back by itself.
      await withAdmin(
        (c) =>
          c.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pg-listener-test'`,
          ),
        db.url,
      );
      await until(() => events.includes('lost'));
      await until(() => listener.listening);
      expect(events).toEqual(['listening(live=false)', 'lost', 'listening(live=false)']);
      await withAdmin((c) => c.query(`SELECT pg_notify('test_channel_a', '2')`), db.url);
      await until(() => heard.includes('test_channel_a:2'));
    } finally {
      await listener.stop();
    }
    expect(listener.listening).toBe(false);
    expect(await listener.ping()).toBe(false);
  });

  it('confirms with each heartbeat that every notification committed before it was delivered', async () => {
    const heard = new Set<string>();
    const listener = new PgListener({
      connectionString: db.url,
      applicationName: 'pg-listener-fence-test',
      channels: ['test_fence'],
      heartbeatMs: 10,
      onNotification: (_channel, payload) => heard.add(payload ?? ''),
    });
    expect(listener.confirmedAt).toBe(0);
    listener.start();
    try {
      await until(() => listener.listening);
      const writer = new Client({ connectionString: db.url });
      await writer.connect();
      try {
        for (let i = 0; i < 40; i++) {
          await writer.query(`SELECT pg_notify('test_fence', $1)`, [String(i)]);
          const committedAt = monotonicNow();
          await until(() => listener.confirmedAt > committedAt);
          // The heartbeat that proves freshness was sent after the commit: the notification came first.
          expect(heard.has(String(i))).toBe(true);
        }
      } finally {
        await writer.end();
      }
    } finally {
      await listener.stop();
    }
    expect(listener.confirmedAt).toBe(0);
  });

  it('never has two pings on its connection at once: the heartbeat skips a beat, a caller waits its turn', async () => {
    let active = 0;
    let most = 0;
    let calls = 0;
    // Counts the queries on the wire at once on any pg Client of this test (only the listener's).
    const proto = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const query = proto.query;
    proto.query = function (this: Client, ...args: unknown[]) {
      calls += 1;
      active += 1;
      most = Math.max(most, active);
      return (query.apply(this, args) as Promise<unknown>).finally(() => {
        active -= 1;
      });
    };
    const listener = new PgListener({
      connectionString: db.url,
      applicationName: 'pg-listener-overlap-test',
      channels: ['test_overlap'],
      heartbeatMs: 1,
      onNotification: () => undefined,
    });
    listener.start();
    try {
      await until(() => listener.listening);
      const before = listener.confirmedAt;
      const calledAt = monotonicNow();
      expect(await Promise.all([listener.ping(), listener.ping(), listener.ping()])).toEqual([
        true,
        true,
        true,
      ]);
      // Each caller's answer confirms what was committed before its call.
      expect(listener.confirmedAt).toBeGreaterThanOrEqual(calledAt);
      expect(listener.confirmedAt).toBeGreaterThan(before);
      await new Promise((r) => setTimeout(r, 200)); // some 200 beats of 1 ms
      expect(calls).toBeGreaterThan(5);
      expect(most).toBe(1);
    } finally {
      await listener.stop();
      proto.query = query;
    }
  });
});
