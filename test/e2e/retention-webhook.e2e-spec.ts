import { createHmac } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JobDispatcher } from '../../src/jobs/job-dispatcher';
import { RETENTION_WEBHOOK_JOB } from '../../src/modules/retention/retention-runner.service';
import { Role } from '../../src/policies/role.enum';
import { createCrm, Crm, registerCrm } from '../utils/crm-fixture';
import { waitForRun } from '../utils/retention-run-polling';
import { queryRows, until, withAdmin } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

const SECRET = 'whsec-test-0123456789abcdef';

interface Delivery {
  payload: {
    runId: string;
    deliveryId: string;
    attempt: number;
    callback: { token: string; path: string; deadline: string };
  };
  accepted: boolean;
}

/** A webhook system on loopback: refuses (503) or accepts (202) deliveries, and records them. */
async function startReceiver(): Promise<{
  server: Server;
  url: string;
  deliveries: Delivery[];
  accept: { value: boolean };
  close(): Promise<void>;
}> {
  const deliveries: Delivery[] = [];
  const accept = { value: true };
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const signed = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
      const ok = accept.value && req.headers['x-finalite-signature'] === signed;
      deliveries.push({ payload: JSON.parse(body) as Delivery['payload'], accepted: ok });
      res.statusCode = ok ? 202 : 503;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/finalite`,
    deliveries,
    accept,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Short sweep period (RETENTION_LEASE_MS) and backoff, so that re-deliveries come within seconds. */
const FAST = {
  RETENTION_SCHEDULER: 'off',
  RETENTION_LEASE_MS: '1000',
  RETENTION_WEBHOOK_ATTEMPTS: '5',
  RETENTION_WEBHOOK_BACKOFF_MS: '1000',
};

describe('Retention webhook deliveries are durable (re-sent when their job is lost)', () => {
  let crm: Crm;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let databaseUrl: string | undefined;
  let dataDir: string | undefined;
  let first: TestApp | undefined;
  let second: TestApp | undefined;

  beforeAll(async () => {
    crm = await createCrm('webhook_restart');
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await first?.app.close().catch(() => undefined);
    await second?.app.close();
    await receiver?.close();
    await crm?.close();
    if (databaseUrl) {
      const name = new URL(databaseUrl).pathname.slice(1);
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const datasetRow = (runId: string) =>
    queryRows<{
      status: string;
      webhook_attempts: number;
      webhook_delivered_at: Date | null;
      webhook_redeliver_at: Date | null;
      callback_token_hash: string | null;
    }>(
      databaseUrl!,
      `SELECT status, webhook_attempts, webhook_delivered_at, webhook_redeliver_at, callback_token_hash
         FROM retention_run_dataset WHERE run_id = $1`,
      [runId],
    ).then((r) => r[0]);

  it('re-sends a delivery lost with a restart (fresh token, old one void) and completes on the callback', async () => {
    first = await startTestApp({ env: FAST });
    databaseUrl = first.databaseUrl;
    dataDir = first.dataDir;
    await registerCrm(first, crm, {
      systemCode: 'mailer',
      kind: 'webhook',
      webhookUrl: receiver.url,
      webhookSecret: SECRET,
    });

    // The system is down: the first attempt is refused, and the process stops during the backoff,
    // before any attempt got through (in-process jobs: the pending retry dies with the process).
    receiver.accept.value = false;
    const created = await first
      .as(Role.Dpo)
      .post('/retention/runs')
      .send({ system: 'mailer', dryRun: false })
      .expect(202);
    const runId = created.body.id as string;
    await until('a first (refused) delivery', async () => receiver.deliveries.length >= 1);
    await first.app.close();
    first = undefined;
    const refused = [...receiver.deliveries];
    expect(refused.every((d) => !d.accepted)).toBe(true);
    const lost = await datasetRow(runId);
    expect(lost).toMatchObject({ status: 'waiting', webhook_delivered_at: null });
    expect(lost.webhook_attempts).toBe(refused.length);
    expect(lost.webhook_redeliver_at).not.toBeNull();

    // Same deployment, system back: the sweep of the new instance re-sends the delivery.
    receiver.accept.value = true;
    second = await startTestApp({ databaseUrl, dataDir, env: FAST });
    await until('the re-sent delivery', async () => receiver.deliveries.some((d) => d.accepted), 15_000);
    const accepted = receiver.deliveries.filter((d) => d.accepted);
    expect(accepted).toHaveLength(1);
    const resent = accepted[0].payload;
    expect(resent).toMatchObject({ runId, deliveryId: refused[0].payload.deliveryId });
    // The attempt count is durable: the re-send continues it.
    expect(resent.attempt).toBe(refused.length + 1);
    expect(resent.callback.token).not.toBe(refused[0].payload.callback.token);
    await until('the acknowledgement', async () => (await datasetRow(runId)).webhook_delivered_at !== null);
    expect(await datasetRow(runId)).toMatchObject({ status: 'waiting', webhook_redeliver_at: null });

    // The token of the lost delivery no longer works; the re-sent one does, once.
    await second
      .http()
      .post(refused[0].payload.callback.path)
      .send({ status: 'completed', deleted: 99, anonymised: 99 })
      .expect(404);
    await second
      .http()
      .post(resent.callback.path)
      .send({ status: 'completed', deleted: 7, anonymised: 2, held: 1 })
      .expect(200);
    await second
      .http()
      .post(resent.callback.path)
      .send({ status: 'completed', deleted: 1, anonymised: 0 })
      .expect(404);
    const done = await waitForRun(second, runId);
    expect(done).toMatchObject({
      status: 'completed',
      totals: { deleted: 7, anonymised: 2, held: 1, errors: 0 },
    });
    expect(done.datasets[0]).toMatchObject({ status: 'completed', error: null });

    // Acknowledged and confirmed: never sent again.
    await sleep(2_500);
    expect(receiver.deliveries.filter((d) => d.payload.runId === runId)).toHaveLength(refused.length + 1);
    const delivered = await queryRows<{ attempt: number }>(
      databaseUrl!,
      `SELECT (payload->>'attempt')::int AS attempt FROM audit_event
        WHERE type = 'retention.webhook.delivered' AND payload->>'runId' = $1`,
      [runId],
    );
    expect(delivered).toEqual([{ attempt: refused.length + 1 }]);
  });

  it('re-sends a delivery whose job vanished from the queue before it ran', async () => {
    const t = second!;
    const dispatcher = t.app.get(JobDispatcher);
    const dispatch = dispatcher.dispatch.bind(dispatcher);
    let dropped = 0;
    // The queue accepts the delivery job and loses it (a Redis lost before the worker took it).
    dispatcher.dispatch = async (name, data, options) => {
      if (name === RETENTION_WEBHOOK_JOB && dropped === 0) {
        dropped += 1;
        return;
      }
      return dispatch(name, data, options);
    };
    try {
      const before = receiver.deliveries.length;
      const created = await t
        .as(Role.Dpo)
        .post('/retention/runs')
        .send({ system: 'mailer', dryRun: false })
        .expect(202);
      const runId = created.body.id as string;
      await waitForRun(t, runId, ['waiting']);
      expect(dropped).toBe(1);
      expect(await datasetRow(runId)).toMatchObject({ status: 'waiting', webhook_attempts: 0 });
      await until('the re-sent delivery', async () => receiver.deliveries.length > before, 15_000);
      const [resent] = receiver.deliveries.slice(before);
      expect(resent).toMatchObject({ accepted: true, payload: { runId, attempt: 1 } });
      await t
        .http()
        .post(resent.payload.callback.path)
        .send({ status: 'completed', deleted: 3, anonymised: 0 })
        .expect(200);
      expect(await waitForRun(t, runId)).toMatchObject({
        status: 'completed',
        totals: { deleted: 3, anonymised: 0, errors: 0 },
      });
    } finally {
      dispatcher.dispatch = dispatch;
    }
  });
});

describe('Retention webhook callback deadline', () => {
  let t: TestApp;
  let crm: Crm;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        ...FAST,
        RETENTION_CALLBACK_DEADLINE_MS: '2000',
        RETENTION_WEBHOOK_ATTEMPTS: '20',
        RETENTION_WEBHOOK_BACKOFF_MS: '200',
      },
    });
    crm = await createCrm('webhook_deadline');
    receiver = await startReceiver();
    // A port nothing listens on: every attempt is refused.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await registerCrm(t, crm, {
      systemCode: 'mailer',
      kind: 'webhook',
      webhookUrl: receiver.url,
      webhookSecret: SECRET,
    });
    await registerCrm(t, crm, {
      systemCode: 'offline',
      kind: 'webhook',
      webhookUrl: `http://127.0.0.1:${port}/finalite`,
      webhookSecret: SECRET,
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    await crm?.close();
  });

  it('fails a dataset whose system never confirms, explicitly, and leaves its dataset free for the next run', async () => {
    const silent = await t
      .as(Role.Dpo)
      .post('/retention/runs')
      .send({ system: 'mailer', dryRun: false })
      .expect(202);
    const unreachable = await t
      .as(Role.Dpo)
      .post('/retention/runs')
      .send({ system: 'offline', dryRun: false })
      .expect(202);
    await until('the delivery', async () => receiver.deliveries.length >= 1);
    const [delivery] = receiver.deliveries;
    expect(delivery).toMatchObject({ accepted: true, payload: { runId: silent.body.id } });
    expect(Date.parse(delivery.payload.callback.deadline)).toBeGreaterThan(Date.now());
    // Waiting: a second run of the dataset is refused meanwhile.
    expect(
      (await t.as(Role.Dpo).post('/retention/runs').send({ system: 'mailer', dryRun: false }).expect(409))
        .body.error,
    ).toBe('RETENTION_RUN_IN_PROGRESS');

    const failed = await waitForRun(
      t,
      silent.body.id as string,
      ['completed', 'failed', 'cancelled'],
      15_000,
    );
    expect(failed.status).toBe('failed');
    expect(failed.datasets[0]).toMatchObject({ status: 'failed', errors: 1, deleted: 0, anonymised: 0 });
    expect(failed.datasets[0].error).toMatch(
      /^callback deadline passed: the system did not confirm its purge within 2 seconds \(RETENTION_CALLBACK_DEADLINE_MS\); the webhook was delivered at \S+ and no callback came/,
    );
    expect(failed.error).toContain('callback deadline passed');
    // Too late: the token no longer works.
    await t
      .http()
      .post(delivery.payload.callback.path)
      .send({ status: 'completed', deleted: 5, anonymised: 0 })
      .expect(404);

    const never = await waitForRun(
      t,
      unreachable.body.id as string,
      ['completed', 'failed', 'cancelled'],
      15_000,
    );
    expect(never.status).toBe('failed');
    expect(never.datasets[0].error).toMatch(
      /^callback deadline passed: the system did not confirm its purge within 2 seconds \(RETENTION_CALLBACK_DEADLINE_MS\); the webhook was never acknowledged \(\d+ delivery attempt\(s\)\)$/,
    );
    const audited = await queryRows<{ n: number }>(
      t.databaseUrl!,
      `SELECT count(*)::int AS n FROM audit_event WHERE type = 'retention.run.failed' AND target_id = ANY($1::text[])`,
      [[silent.body.id, unreachable.body.id]],
    );
    expect(audited[0].n).toBe(2);

    // The next run of the dataset is not blocked, and completes on its own callback.
    const next = await t
      .as(Role.Dpo)
      .post('/retention/runs')
      .send({ system: 'mailer', dryRun: false })
      .expect(202);
    await until('the next delivery', async () => receiver.deliveries.length >= 2);
    const nextDelivery = receiver.deliveries[1];
    expect(nextDelivery.payload.runId).toBe(next.body.id);
    await t
      .http()
      .post(nextDelivery.payload.callback.path)
      .send({ status: 'completed', deleted: 4, anonymised: 1 })
      .expect(200);
    expect(await waitForRun(t, next.body.id as string)).toMatchObject({
      status: 'completed',
      totals: { deleted: 4, anonymised: 1, errors: 0 },
    });
  });
});
