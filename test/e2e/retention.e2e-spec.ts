import type { RetentionRunResponseDto } from '../../src/modules/retention/dto/retention-run.dto';
import { createHmac } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { retentionHashKey } from '../../src/modules/retention/retention-hash-key';
import { RetentionScheduler } from '../../src/modules/retention/retention-scheduler.service';
import { Role } from '../../src/policies/role.enum';
import { createCrm, Crm, insertCustomers, registerCrm } from '../utils/crm-fixture';
import { waitForConsentWithdrawalRun, waitForRun } from '../utils/retention-run-polling';
import { queryRows } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

const DAY = 1;
const YEAR = 365 * DAY;

describe('Retention engine (PostgreSQL, a real CRM database)', () => {
  let t: TestApp;
  let crm: Crm;
  let datasetId: string;
  const dpo = () => t.as(Role.Dpo);

  const customers = async () =>
    new Map(
      (
        await crm.query<{ id: string; email: string | null; name: string | null; postcode: string | null }>(
          'SELECT id, email, name, postcode FROM customers ORDER BY id',
        )
      ).map((r) => [Number(r.id), r]),
    );

  async function runAndWait(body: Record<string, unknown>): Promise<RetentionRunResponseDto> {
    const created = await dpo().post('/retention/runs').send(body).expect(202);
    expect(created.body.status).toMatch(/queued|running|completed/);
    return waitForRun(t, created.body.id as string);
  }

  const finalite = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    queryRows<T>(t.databaseUrl!, text, params);

  beforeAll(async () => {
    t = await startTestApp({
      env: { RETENTION_SCHEDULER: 'off', RETENTION_BATCH_SIZE: '2', RETENTION_WEBHOOK_BACKOFF_MS: '50' },
    });
    crm = await createCrm('retention');
    await insertCustomers(crm, [
      { id: 1, ref: 'cust-A', createdDaysAgo: YEAR, lastInteractionDaysAgo: 180 }, // every purpose lasts
      { id: 2, ref: 'cust-B', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 2 * YEAR }, // support over
      { id: 3, ref: 'cust-C', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 4 * YEAR }, // all over
      { id: 4, ref: 'cust-D', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: null }, // undated
      { id: 5, ref: 'cust-E', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 4 * YEAR }, // held
      { id: 6, ref: 'cust-F', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 2 * YEAR }, // withdraws
      { id: 7, ref: 'cust-G', createdDaysAgo: 100, lastInteractionDaysAgo: 10 }, // asks for erasure
    ]);
    ({ datasetId } = await registerCrm(t, crm));
  });
  afterAll(async () => {
    await t?.close();
    await crm?.close();
  });

  it('states the effective rule of every field in plain words', async () => {
    const res = await dpo().get('/retention/rules').expect(200);
    const fields = res.body.items[0].fields as { column: string; rule: string; state: string }[];
    expect(fields.map((f) => f.column)).toEqual(['email', 'name', 'postcode']);
    expect(fields[0].rule).toBe(
      "email: replaced by a keyed hash (the row is deleted once all its fields are due) once 1 year have passed since last_interaction and since the subject's latest contact recorded in Finalité (an interaction recorded for the subject) (crm.support), and 3 years have passed since last_interaction and since the subject's latest contact recorded in Finalité (consent to marketing.newsletter granted or renewed, or an interaction recorded for the subject) (marketing.newsletter) or consent for marketing.newsletter is withdrawn",
    );
    expect(fields[1].rule).toContain('10 years have passed since created_at (billing.records)');
  });

  it('places a legal hold on a subject (validated, audited)', async () => {
    const bad = await dpo()
      .post('/legal-holds')
      .send({ scope: 'subject', datasetId, reason: 'Litigation' })
      .expect(400);
    expect(bad.body.error).toBe('LEGAL_HOLD_TARGET_INVALID');
    const hold = await dpo()
      .post('/legal-holds')
      .send({ scope: 'subject', subjectId: 'cust-E', reason: 'Litigation 2026-CV-118' })
      .expect(201);
    expect(hold.body).toMatchObject({ scope: 'subject', subjectId: 'cust-E', inForce: true });
    const list = await t.as(Role.Auditor).get('/legal-holds').expect(200);
    expect(list.body.items.map((h: { id: string }) => h.id)).toContain(hold.body.id);
    await t
      .as(Role.Auditor)
      .post('/legal-holds')
      .send({ scope: 'system', systemCode: 'crm', reason: 'x' })
      .expect(403);
    const [event] = await finalite<{ subject_ref: string | null; payload: Record<string, unknown> }>(
      `SELECT subject_ref, payload FROM audit_event WHERE type = 'legal_hold.placed' AND target_id = $1`,
      [hold.body.id],
    );
    expect(event.subject_ref).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(event.payload)).not.toContain('cust-E');
  });

  it('a dry run computes the counts and a sample of keys and changes nothing', async () => {
    const before = await customers();
    const run = await runAndWait({ system: 'crm', dryRun: true });
    expect(run.datasets[0].error).toBeNull();
    expect(run.status).toBe('completed');
    expect(run.datasets).toHaveLength(1);
    expect(run.datasets[0]).toMatchObject({
      dataset: 'public.customers',
      scanned: 7,
      deleted: 1, // cust-C
      anonymised: 2, // cust-B, cust-F: their support purpose is over, the newsletter lasts
      held: 1, // cust-E
      undated: 1, // cust-D
      batches: 4,
      errors: 0,
    });
    expect(run.datasets[0].sampleKeys).toEqual([['2'], ['3'], ['6']]);
    expect(await customers()).toEqual(before);
  });

  it('purges by time: keeps a row while a purpose lasts, anonymises, then deletes — and the trail proves each batch', async () => {
    const run = await runAndWait({ dataset: 'public.customers', dryRun: false });
    expect(run).toMatchObject({ status: 'completed', kind: 'on_demand' });
    expect(run.totals).toMatchObject({
      scanned: 7,
      deleted: 1,
      anonymised: 2,
      held: 1,
      undated: 1,
      errors: 0,
    });
    expect(run.datasets[0].exemptions).toEqual([
      expect.objectContaining({ kind: 'legal_hold', reason: 'Litigation 2026-CV-118' }),
    ]);
    let rows = await customers();
    expect([...rows.keys()]).toEqual([1, 2, 4, 5, 6, 7]);
    expect(rows.get(1)).toMatchObject({
      email: 'cust-A@example.com',
      name: 'Name cust-A',
      postcode: '75011',
    });
    // Support is over and billing too: the name goes; the newsletter still justifies email and postcode.
    expect(rows.get(2)).toMatchObject({ email: 'cust-B@example.com', name: null, postcode: '75011' });
    expect(rows.get(4)).toMatchObject({ name: 'Name cust-D' });
    expect(rows.get(5)).toMatchObject({ name: 'Name cust-E' });

    const batches = await finalite<{ payload: Record<string, unknown> }>(
      `SELECT payload FROM audit_event WHERE type = 'retention.batch' AND payload->>'runId' = $1 ORDER BY seq`,
      [run.id],
    );
    expect(
      batches.map((b) => [b.payload.keyFrom, b.payload.keyTo, b.payload.deleted, b.payload.anonymised]),
    ).toEqual([
      [['1'], ['2'], 0, 1],
      [['3'], ['4'], 1, 0],
      [['5'], ['6'], 0, 1],
      [['7'], ['7'], 0, 0],
    ]);
    const trail = await finalite<{ type: string; payload: unknown }>(
      `SELECT type, payload FROM audit_event WHERE type LIKE 'retention.%' AND (target_id = $1 OR payload->>'runId' = $1)`,
      [run.id],
    );
    expect(trail.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'retention.run.requested',
        'retention.run.started',
        'retention.batch',
        'retention.run.completed',
      ]),
    );
    expect(JSON.stringify(trail)).not.toMatch(/example\.com|Name cust/);

    // Time passes for cust-B: its newsletter purpose ends too, so the row goes. Re-running does
    // not count cust-F's already-anonymised name again.
    await crm.query(`UPDATE customers SET last_interaction = now() - interval '4 years' WHERE id = 2`);
    const second = await runAndWait({ system: 'crm', dryRun: false });
    expect(second.totals).toMatchObject({ scanned: 6, deleted: 1, anonymised: 0, held: 1 });
    rows = await customers();
    expect([...rows.keys()]).toEqual([1, 4, 5, 6, 7]);
  });

  it('reports what is overdue now and for how long', async () => {
    const res = await t.as(Role.Auditor).get('/retention/overdue').expect(200);
    const [item] = res.body.items;
    expect(item.error).toBeNull();
    expect(item).toMatchObject({
      system: 'crm',
      dataset: 'public.customers',
      measurable: true,
      dueRows: 0,
      heldRows: 1,
    });
    await crm.query(`UPDATE customers SET last_interaction = now() - interval '5 years' WHERE id = 1`);
    const after = await t.as(Role.Auditor).get('/retention/overdue').expect(200);
    // cust-A: the newsletter (3 years) ended 2 years ago, support (1 year) 4 years ago.
    expect(after.body.items[0]).toMatchObject({ dueRows: 1, heldRows: 1 });
    expect(after.body.items[0].overdueDays).toBeGreaterThanOrEqual(2 * 365 - 2);
    expect(after.body.items[0].overdueDays).toBeLessThanOrEqual(2 * 365 + 2);
    await crm.query(`UPDATE customers SET last_interaction = now() - interval '180 days' WHERE id = 1`);
  });

  it('purges a held row once its hold is lifted', async () => {
    const holds = await dpo().get('/legal-holds').expect(200);
    const hold = holds.body.items.find((h: { subjectId: string }) => h.subjectId === 'cust-E');
    await dpo()
      .delete(`/legal-holds/${hold.id as string}`)
      .expect(200);
    expect(
      (
        await dpo()
          .delete(`/legal-holds/${hold.id as string}`)
          .expect(409)
      ).body.error,
    ).toBe('LEGAL_HOLD_ALREADY_LIFTED');
    const run = await runAndWait({ system: 'crm', dryRun: false });
    expect(run.totals).toMatchObject({ deleted: 1, held: 0 });
    expect((await customers()).has(5)).toBe(false);
  });

  it('a dataset hold suspends every purge of the dataset', async () => {
    await crm.query(`UPDATE customers SET last_interaction = now() - interval '4 years' WHERE id = 1`);
    const hold = await dpo()
      .post('/legal-holds')
      .send({ scope: 'dataset', datasetId, reason: 'Regulator inquiry' })
      .expect(201);
    const run = await runAndWait({ system: 'crm', dryRun: false });
    expect(run.totals).toMatchObject({ deleted: 0, anonymised: 0, held: 1 });
    expect((await customers()).has(1)).toBe(true);
    await dpo()
      .delete(`/legal-holds/${hold.body.id as string}`)
      .expect(200);
    await crm.query(`UPDATE customers SET last_interaction = now() - interval '180 days' WHERE id = 1`);
  });

  it('a consent withdrawal queues a purge of that subject for the purposes concerned', async () => {
    await t.authoriseApplication(['marketing.newsletter']);
    await t
      .as(Role.Application)
      .post('/subjects/cust-F/consents')
      .send({ purpose: 'marketing.newsletter', status: 'withdrawn', source: 'preference-centre' })
      .expect(201);
    const done = await waitForConsentWithdrawalRun(t);
    // Support ended 1 year ago and the newsletter with the withdrawal: the whole row goes,
    // and only cust-F's row was considered.
    expect(done.totals).toMatchObject({ scanned: 1, deleted: 1 });
    expect([...(await customers()).keys()]).toEqual([1, 4, 7]);
  });

  it('erases a subject on request, except what a legal obligation still justifies (reported)', async () => {
    await dpo().post('/subjects/%20bad/erasure').send({}).expect(400);
    const created = await dpo()
      .post('/subjects/cust-G/erasure')
      .send({ reason: 'Art. 17 request, ticket 8812' })
      .expect(202);
    await waitForRun(t, created.body.runId as string);
    const request = await t
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
    const g = (await customers()).get(7)!;
    const expectedHash = `hmac:${createHmac('sha256', retentionHashKey(t.config)).update('cust-G@example.com').digest('hex')}`;
    expect(g).toEqual({ id: '7', email: expectedHash, name: 'Name cust-G', postcode: '75' });
    // Nobody else was touched.
    expect((await customers()).get(1)).toMatchObject({ email: 'cust-A@example.com', postcode: '75011' });

    for (let i = 0; i < 50; i++) {
      const done = await finalite(
        `SELECT 1 FROM audit_event WHERE type = 'erasure.completed' AND target_id = $1`,
        [created.body.id],
      );
      if (done.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const events = await finalite<{ type: string; payload: unknown }>(
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
    await finalite(
      `UPDATE personal_field SET column_name = 'email" = NULL; DROP TABLE customers; --' WHERE column_name = 'postcode'`,
    );
    const run = await runAndWait({ system: 'crm', dryRun: false });
    expect(run.status).toBe('failed');
    expect(run.datasets[0].error).toMatch(/^refused: unsafe identifier/);
    expect((await customers()).size).toBe(3);
    await finalite(
      `UPDATE personal_field SET column_name = 'postcode' WHERE column_name = 'email" = NULL; DROP TABLE customers; --'`,
    );
    // A registered column the customer table does not have is refused as well.
    await crm.query(`ALTER TABLE customers RENAME COLUMN postcode TO zip`);
    const missing = await runAndWait({ system: 'crm', dryRun: true });
    expect(missing.datasets[0].error).toBe('refused: column postcode does not exist in public.customers');
    await crm.query(`ALTER TABLE customers RENAME COLUMN zip TO postcode`);
  });

  it('a duplicate schedule firing creates one run only', async () => {
    const scheduler = t.app.get(RetentionScheduler);
    const firedAt = '2031-01-01T03:00:00.000Z';
    await scheduler.fire('crm', firedAt);
    await scheduler.fire('crm', firedAt);
    const rows = await finalite<{ id: string }>(`SELECT id FROM retention_run WHERE schedule_key = $1`, [
      `crm@${firedAt}`,
    ]);
    expect(rows).toHaveLength(1);
    await waitForRun(t, rows[0].id);
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
      await registerCrm(t, crm, {
        systemCode: 'mailer',
        kind: 'webhook',
        webhookUrl: `http://127.0.0.1:${port}/finalite`,
        webhookSecret: 'whsec-test-0123456789abcdef',
      });
      await registerCrm(t, crm, { systemCode: 'archives', kind: 'manual' });
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
      const waiting = await waitForRun(t, created.body.id as string, ['waiting']);
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

      await t
        .http()
        .post('/retention/callbacks/not-a-token')
        .send({ status: 'completed', deleted: 1, anonymised: 0 })
        .expect(404);
      await t
        .http()
        .post(payload.callback.path as string)
        .send({ status: 'completed', deleted: 12, anonymised: 3 })
        .expect(200);
      // One-time token.
      await t
        .http()
        .post(payload.callback.path as string)
        .send({ status: 'completed', deleted: 1, anonymised: 0 })
        .expect(404);
      const done = await waitForRun(t, created.body.id as string);
      expect(done).toMatchObject({ status: 'completed', totals: { deleted: 12, anonymised: 3 } });
    });

    it('lists a manual task and completes the run when a person reports it done', async () => {
      const created = await dpo()
        .post('/retention/runs')
        .send({ system: 'archives', dryRun: false })
        .expect(202);
      await waitForRun(t, created.body.id as string, ['waiting']);
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
      const done = await waitForRun(t, created.body.id as string);
      expect(done).toMatchObject({ status: 'completed', totals: { deleted: 4 } });
    });
  });
});
