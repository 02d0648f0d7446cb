import { createHmac } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { retentionHashKey } from '../../src/modules/retention/retention-hash-key';
import { RetentionScheduler } from '../../src/modules/retention/retention-scheduler.service';
import { Role } from '../../src/policies/role.enum';
import { registerCrm } from '../utils/crm-fixture';
import { waitForConsentWithdrawalRun, waitForRun } from '../utils/retention-run-polling';
import { RETENTION_CUSTOMERS, startRetentionSuite } from '../utils/retention-suite';
import { startForSuite } from '../utils/suite-fixture';

/**
 * The CRM's customers that the purges by time leave (retention.e2e-spec.ts): cust-A (every purpose
 * lasts), cust-D (undated), cust-F (who withdraws) and cust-G (who asks for erasure). There cust-F's
 * name was anonymised first; here it is whole, and the withdrawal deletes the row just the same.
 */
const AFTER_TIME_PURGES = RETENTION_CUSTOMERS.filter((c) =>
  ['cust-A', 'cust-D', 'cust-F', 'cust-G'].includes(c.ref),
);

/**
 * Retention runs besides the purge by time, on a real CRM database: a consent withdrawal, an
 * erasure request, names refused at execution, a schedule firing twice, cancellation, and the
 * webhook and manual executors.
 */
describe('Retention engine (PostgreSQL, a real CRM database)', () => {
  const s = startForSuite(() => startRetentionSuite(AFTER_TIME_PURGES));
  const dpo = () => s.t.as(Role.Dpo);

  it('a consent withdrawal queues a purge of that subject for the purposes concerned', async () => {
    await s.t.authoriseApplication(['marketing.newsletter']);
    await s.t
      .as(Role.Application)
      .post('/subjects/cust-F/consents')
      .send({ purpose: 'marketing.newsletter', status: 'withdrawn', source: 'preference-centre' })
      .expect(201);
    const done = await waitForConsentWithdrawalRun(s.t);
    // Support ended 1 year ago and the newsletter with the withdrawal: the whole row goes,
    // and only cust-F's row was considered.
    expect(done.totals).toMatchObject({ scanned: 1, deleted: 1 });
    expect([...(await s.customers()).keys()]).toEqual([1, 4, 7]);
  });

  it('erases a subject on request, except what a legal obligation still justifies (reported)', async () => {
    await dpo().post('/subjects/%20bad/erasure').send({}).expect(400);
    const created = await dpo()
      .post('/subjects/cust-G/erasure')
      .send({ reason: 'Art. 17 request, ticket 8812' })
      .expect(202);
    await waitForRun(s.t, created.body.runId as string);
    const request = await s.t
      .as(Role.Auditor)
      .get(`/subjects/cust-G/erasure/${created.body.id as string}`)
      .expect(200);
    expect(request.body).toMatchObject({ subjectId: 'cust-G', status: 'completed' });
    expect(request.body.datasets[0]).toMatchObject({ scanned: 1, deleted: 0, anonymised: 1 });
    expect(request.body.datasets[0].exemptions).toEqual([
      expect.objectContaining({
        kind: 'legal_obligation',
        purposeCode: 'billing.records',
        fields: ['crm.customers.name'],
      }),
    ]);
    const g = (await s.customers()).get(7)!;
    const expectedHash = `hmac:${createHmac('sha256', retentionHashKey(s.t.config)).update('cust-G@example.com').digest('hex')}`;
    expect(g).toEqual({ id: '7', email: expectedHash, name: 'Name cust-G', postcode: '75' });
    // Nobody else was touched.
    expect((await s.customers()).get(1)).toMatchObject({ email: 'cust-A@example.com', postcode: '75011' });

    for (let i = 0; i < 50; i++) {
      const done = await s.finalite(
        `SELECT 1 FROM audit_event WHERE type = 'erasure.completed' AND target_id = $1`,
        [created.body.id],
      );
      if (done.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const events = await s.finalite<{ type: string; payload: unknown }>(
      `SELECT type, payload FROM audit_event WHERE target_id = $1 ORDER BY seq`,
      [created.body.id],
    );
    expect(events.map((e) => e.type)).toEqual(['erasure.requested', 'erasure.completed']);
    expect(JSON.stringify(events)).not.toContain('cust-G');
  });

  it('rejects malicious dataset and column names (API, then at execution)', async () => {
    const bad = await dpo()
      .post('/systems/crm/datasets')
      .send({ name: 'public.customers"; DROP TABLE customers; --', primaryKey: ['id'] })
      .expect(400);
    expect(bad.body.error).toBeDefined();
    // Even if the register were tampered with, the executor re-checks every identifier.
    await s.finalite(
      `UPDATE personal_field SET column_name = 'email" = NULL; DROP TABLE customers; --' WHERE column_name = 'postcode'`,
    );
    const run = await s.runAndWait({ system: 'crm', dryRun: false });
    expect(run.status).toBe('failed');
    expect(run.datasets[0].error).toMatch(/^refused: unsafe identifier/);
    expect((await s.customers()).size).toBe(3);
    await s.finalite(
      `UPDATE personal_field SET column_name = 'postcode' WHERE column_name = 'email" = NULL; DROP TABLE customers; --'`,
    );
    // A registered column the customer table does not have is refused as well.
    await s.crm.query(`ALTER TABLE customers RENAME COLUMN postcode TO zip`);
    const missing = await s.runAndWait({ system: 'crm', dryRun: true });
    expect(missing.datasets[0].error).toBe('refused: column postcode does not exist in public.customers');
    await s.crm.query(`ALTER TABLE customers RENAME COLUMN zip TO postcode`);
  });

  it('a duplicate schedule firing creates one run only', async () => {
    const scheduler = s.t.app.get(RetentionScheduler);
    const firedAt = '2031-01-01T03:00:00.000Z';
    await scheduler.fire('crm', firedAt);
    await scheduler.fire('crm', firedAt);
    const rows = await s.finalite<{ id: string }>(`SELECT id FROM retention_run WHERE schedule_key = $1`, [
      `crm@${firedAt}`,
    ]);
    expect(rows).toHaveLength(1);
    await waitForRun(s.t, rows[0].id);
  });

  it('cancels a queued run and refuses to cancel a finished one', async () => {
    const runs = await dpo().get('/retention/runs').query({ status: 'completed', limit: 1 }).expect(200);
    expect(runs.body.nextCursor).toEqual(expect.any(String));
    const finished = runs.body.items[0];
    expect(
      (
        await dpo()
          .post(`/retention/runs/${finished.id as string}/cancel`)
          .expect(409)
      ).body.error,
    ).toBe('RETENTION_RUN_FINISHED');
    await dpo().get('/retention/runs/not-a-uuid').expect(400);
    await dpo().post('/retention/runs').send({ system: 'nope', dryRun: true }).expect(404);
    await dpo().post('/retention/runs').send({ dryRun: 'yes' }).expect(400);
  });

  describe('webhook and manual executors', () => {
    let server: Server;
    const deliveries: { body: string; signature: string | undefined }[] = [];
    let failFirst = true;

    beforeAll(async () => {
      server = createServer((req: IncomingMessage, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString('utf8')));
        req.on('end', () => {
          deliveries.push({ body, signature: req.headers['x-finalite-signature'] as string | undefined });
          res.statusCode = failFirst ? 503 : 202;
          failFirst = false;
          res.end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as AddressInfo).port;
      await registerCrm(s.t, s.crm, {
        systemCode: 'mailer',
        kind: 'webhook',
        webhookUrl: `http://127.0.0.1:${port}/finalite`,
        webhookSecret: 'whsec-test-0123456789abcdef',
      });
      await registerCrm(s.t, s.crm, { systemCode: 'archives', kind: 'manual' });
    });
    afterAll(async () => {
      server?.closeAllConnections();
      await new Promise((r) => server?.close(r));
    });

    it('posts a signed webhook, retries it, and completes only when the system calls back', async () => {
      const created = await dpo()
        .post('/retention/runs')
        .send({ system: 'mailer', dryRun: false })
        .expect(202);
      const waiting = await waitForRun(s.t, created.body.id as string, ['waiting']);
      for (let i = 0; i < 100 && deliveries.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect(deliveries).toHaveLength(2); // 503 first, then accepted
      const { body, signature } = deliveries[1];
      expect(signature).toBe(
        `sha256=${createHmac('sha256', 'whsec-test-0123456789abcdef').update(body).digest('hex')}`,
      );
      const payload = JSON.parse(body);
      expect(payload).toMatchObject({ event: 'retention.purge', runId: created.body.id, system: 'mailer' });
      expect(payload.fields.map((f: { column: string }) => f.column)).toEqual(['email', 'name', 'postcode']);
      expect(waiting.datasets[0]).toMatchObject({ executor: 'webhook', status: 'waiting' });

      await s.t
        .http()
        .post('/retention/callbacks/not-a-token')
        .send({ status: 'completed', deleted: 1, anonymised: 0 })
        .expect(404);
      await s.t
        .http()
        .post(payload.callback.path as string)
        .send({ status: 'completed', deleted: 12, anonymised: 3 })
        .expect(200);
      // One-time token.
      await s.t
        .http()
        .post(payload.callback.path as string)
        .send({ status: 'completed', deleted: 1, anonymised: 0 })
        .expect(404);
      const done = await waitForRun(s.t, created.body.id as string);
      expect(done).toMatchObject({ status: 'completed', totals: { deleted: 12, anonymised: 3 } });
    });

    it('lists a manual task and completes the run when a person reports it done', async () => {
      const created = await dpo()
        .post('/retention/runs')
        .send({ system: 'archives', dryRun: false })
        .expect(202);
      await waitForRun(s.t, created.body.id as string, ['waiting']);
      const tasks = await dpo().get('/retention/tasks').expect(200);
      const task = tasks.body.items.find((x: { runId: string }) => x.runId === created.body.id);
      expect(task.instructions).toContain('Purge in archives / public.customers');
      await dpo()
        .post(`/retention/tasks/${task.id as string}/complete`)
        .send({ deleted: 4, anonymised: 0, note: 'Shredded' })
        .expect(200);
      await dpo()
        .post(`/retention/tasks/${task.id as string}/complete`)
        .send({ deleted: 4, anonymised: 0 })
        .expect(409);
      const done = await waitForRun(s.t, created.body.id as string);
      expect(done).toMatchObject({ status: 'completed', totals: { deleted: 4 } });
    });
  });
});
