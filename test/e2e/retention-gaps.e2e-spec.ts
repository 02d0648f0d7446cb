import type { RetentionRunResponseDto } from '../../src/modules/retention/dto/retention-run.dto';
import { RetentionScheduler } from '../../src/modules/retention/retention-scheduler.service';
import { RetentionService } from '../../src/modules/retention/retention.service';
import { Role } from '../../src/policies/role.enum';
import { createCrm, Crm, registerCrm, registerDataset } from '../utils/crm-fixture';
import { ensurePurposes } from '../utils/register-fixture';
import { waitForConsentWithdrawalRun, waitForRun } from '../utils/retention-run-polling';
import { queryRows, until } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Gaps an audit found in the retention engine: holds placed during a run, consent-based purposes
 * whose time rule cannot be proven, datasets without a subject column, manual tasks' held
 * subjects, the busy check of broad runs, and the reports' summary over many runs.
 */
describe('Retention engine: holds mid-run, withdrawals, unlocatable subjects, busy datasets', () => {
  let t: TestApp;
  let crm: Crm;
  let customersId: string;
  const dpo = () => t.as(Role.Dpo);

  const finalite = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    queryRows<T>(t.databaseUrl!, text, params);

  const ids = async (table: string) =>
    (await crm.query<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`)).map((r) => Number(r.id));

  /** `n` customers from `first` on, every purpose of which is over (all deleted by a purge). */
  async function dueCustomers(first: number, n: number): Promise<void> {
    await crm.query(
      `INSERT INTO customers (id, customer_ref, email, name, postcode, created_at, last_interaction)
       SELECT i, 'cust-' || i, 'c' || i || '@example.com', 'Name ' || i, '75011',
              now() - interval '12 years', now() - interval '4 years'
         FROM generate_series($1::int, $2::int) AS i`,
      [first, first + n - 1],
    );
  }

  /** Starts a purge and, once its first batch is prepared, runs `between` (before batch 2). */
  async function purgeWithPause(
    body: Record<string, unknown>,
    between: () => Promise<void>,
  ): Promise<RetentionRunResponseDto> {
    const created = await dpo().post('/retention/runs').send(body).expect(202);
    const runId = created.body.id as string;
    await until('the first batch', async () => {
      const [row] = await finalite<{ n: number }>(
        `SELECT count(*)::int AS n FROM purge_batch WHERE run_id = $1`,
        [runId],
      );
      return row.n >= 1;
    });
    await between();
    return waitForRun(t, runId);
  }

  async function placeHold(body: Record<string, unknown>): Promise<string> {
    const res = await dpo().post('/legal-holds').send(body).expect(201);
    return res.body.id as string;
  }

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        RETENTION_SCHEDULER: 'off',
        RETENTION_BATCH_SIZE: '2',
        // Room between two batches to place a hold (the pause follows each batch's COMMIT).
        RETENTION_BATCH_PAUSE_MS: '600',
      },
    });
    crm = await createCrm('gaps');
    ({ datasetId: customersId } = await registerCrm(t, crm));
  });
  afterAll(async () => {
    await t?.close();
    await crm?.close();
  });

  it('a subject hold placed between two batches protects that subject in every later batch', async () => {
    await dueCustomers(1, 8);
    let holdId = '';
    const run = await purgeWithPause({ system: 'crm', dryRun: false }, async () => {
      holdId = await placeHold({ scope: 'subject', subjectId: 'cust-6', reason: 'Litigation mid-run' });
    });
    expect(run.status).toBe('completed');
    // Batch 1 (rows 1, 2) went before the hold; cust-6, in batch 3, is kept and counted held.
    expect(await ids('customers')).toEqual([6]);
    expect(run.totals).toMatchObject({ scanned: 8, deleted: 7, held: 1, errors: 0 });
    expect(run.datasets[0].exemptions).toEqual([
      expect.objectContaining({ kind: 'legal_hold', reason: 'Litigation mid-run', holdId }),
    ]);
    const batches = await finalite<{ held: number }>(
      `SELECT (payload->>'held')::int AS held FROM audit_event
        WHERE type = 'retention.batch' AND payload->>'runId' = $1 ORDER BY seq`,
      [run.id],
    );
    expect(batches.map((b) => b.held)).toEqual([0, 0, 1, 0]);
    await dpo().delete(`/legal-holds/${holdId}`).expect(200);
    await crm.query(`DELETE FROM customers`);
  });

  it('a dataset hold placed between two batches suspends the rest of the dataset', async () => {
    await dueCustomers(11, 8);
    let holdId = '';
    const run = await purgeWithPause({ system: 'crm', dryRun: false }, async () => {
      holdId = await placeHold({ scope: 'dataset', datasetId: customersId, reason: 'Regulator mid-run' });
    });
    expect(await ids('customers')).toEqual([13, 14, 15, 16, 17, 18]);
    expect(run.totals).toMatchObject({ scanned: 8, deleted: 2, held: 6 });
    expect(run.datasets[0].exemptions).toEqual([
      expect.objectContaining({ kind: 'legal_hold', reason: 'Regulator mid-run', holdId }),
    ]);
    await dpo().delete(`/legal-holds/${holdId}`).expect(200);
    await crm.query(`DELETE FROM customers`);
  });

  it('a consent withdrawal ends a consent-based purpose whose time rule cannot be proven', async () => {
    await crm.query(`CREATE TABLE subscribers (id bigint PRIMARY KEY, customer_ref text, email text,
                       created_at timestamptz NOT NULL DEFAULT now())`);
    await crm.query(`INSERT INTO subscribers (id, customer_ref, email) VALUES
                       (1, 'sub-1', 'one@example.com'), (2, 'sub-2', 'two@example.com')`);
    // Its trigger (contract_end) is a column the dataset does not declare: never due by time.
    await ensurePurposes(t, [
      {
        code: 'marketing.optin',
        legalBasis: 'consent',
        retention: { duration: 'P1Y', trigger: 'contract_end' },
      },
    ]);
    await registerDataset(t, crm, {
      systemCode: 'mail',
      name: 'public.subscribers',
      subjectColumn: 'customer_ref',
      timestampColumns: { collection: 'created_at' },
      fields: [['email', 'contact', { strategy: 'nullify' }, ['marketing.optin']]],
    });
    const rules = await dpo().get('/retention/rules').query({ system: 'mail' }).expect(200);
    expect(rules.body.items[0].fields[0].rule).toBe(
      'email: erased (set to null) (the row is deleted once all its fields are due) once consent for marketing.optin is withdrawn (no time limit: the dataset declares no contract_end column for purpose marketing.optin)',
    );
    await t.authoriseApplication(['marketing.optin']);
    await t
      .as(Role.Application)
      .post('/subjects/sub-1/consents')
      .send({ purpose: 'marketing.optin', status: 'withdrawn', source: 'preference-centre' })
      .expect(201);
    const done = await waitForConsentWithdrawalRun(t);
    expect(done.status).toBe('completed');
    expect(done.totals).toMatchObject({ scanned: 1, deleted: 1 });
    // Per subject: sub-2 has not withdrawn and keeps its row.
    expect(await ids('subscribers')).toEqual([2]);
  });

  describe('a dataset without a subject column', () => {
    beforeAll(async () => {
      await crm.query(
        `CREATE TABLE visits (id bigint PRIMARY KEY, ip text, created_at timestamptz NOT NULL)`,
      );
      await crm.query(`INSERT INTO visits (id, ip, created_at)
                         SELECT i, '10.0.0.' || i, now() - interval '12 years' FROM generate_series(1, 3) AS i`);
      await registerDataset(t, crm, {
        systemCode: 'weblog',
        name: 'public.visits',
        timestampColumns: { collection: 'created_at' },
        fields: [['ip', 'online_identifiers', { strategy: 'nullify' }, ['billing.records']]],
      });
    });

    it('is reported as not locatable in an erasure, never as a completed purge that found nothing', async () => {
      const created = await dpo().post('/subjects/cust-99/erasure').send({}).expect(202);
      await waitForRun(t, created.body.runId as string);
      const request = await dpo()
        .get(`/subjects/cust-99/erasure/${created.body.id as string}`)
        .expect(200);
      const visits = request.body.datasets.find((d: { dataset: string }) => d.dataset === 'public.visits');
      expect(visits).toMatchObject({ system: 'weblog', scanned: 0, deleted: 0, batches: 0 });
      expect(visits.exemptions).toEqual([
        expect.objectContaining({
          kind: 'subject_not_locatable',
          reason: expect.stringContaining('declares no subject column'),
        }),
      ]);
      // A dataset with a subject column is searched as before.
      const customers = request.body.datasets.find(
        (d: { system: string; dataset: string }) => d.system === 'crm' && d.dataset === 'public.customers',
      );
      expect(customers.exemptions.map((e: { kind: string }) => e.kind)).not.toContain(
        'subject_not_locatable',
      );
      expect(await ids('visits')).toEqual([1, 2, 3]);
    });

    it('is held whole while a subject hold is in force (its rows cannot be told apart)', async () => {
      const holdId = await placeHold({ scope: 'subject', subjectId: 'cust-42', reason: 'Litigation 42' });
      const created = await dpo()
        .post('/retention/runs')
        .send({ system: 'weblog', dryRun: false })
        .expect(202);
      const held = await waitForRun(t, created.body.id as string);
      expect(held.totals).toMatchObject({ scanned: 3, deleted: 0, held: 3 });
      expect(held.datasets[0].exemptions).toEqual([
        expect.objectContaining({ kind: 'subject_not_locatable', holdId }),
      ]);
      expect(await ids('visits')).toEqual([1, 2, 3]);
      const overdue = await dpo().get('/retention/overdue').expect(200);
      expect(
        overdue.body.items.find((i: { dataset: string }) => i.dataset === 'public.visits'),
      ).toMatchObject({ dueRows: 0, heldRows: 3 });

      await dpo().delete(`/legal-holds/${holdId}`).expect(200);
      const again = await dpo().post('/retention/runs').send({ system: 'weblog', dryRun: false }).expect(202);
      const purged = await waitForRun(t, again.body.id as string);
      expect(purged.totals).toMatchObject({ deleted: 3, held: 0 });
      expect(await ids('visits')).toEqual([]);
    });
  });

  describe('manual tasks and busy datasets', () => {
    let holdId: string;
    let taskRunId: string;

    beforeAll(async () => {
      await registerCrm(t, crm, { systemCode: 'archives', kind: 'manual' });
      holdId = await placeHold({ scope: 'subject', subjectId: 'cust-H', reason: 'Litigation H' });
    });
    afterAll(async () => {
      await dpo().delete(`/legal-holds/${holdId}`);
    });

    it('lists the held subjects to exclude with the task', async () => {
      const created = await dpo()
        .post('/retention/runs')
        .send({ system: 'archives', dryRun: false })
        .expect(202);
      taskRunId = created.body.id as string;
      await waitForRun(t, taskRunId, ['waiting']);
      const tasks = await dpo().get('/retention/tasks').expect(200);
      const task = tasks.body.items.find((x: { runId: string }) => x.runId === taskRunId);
      expect(task.instructions).toContain(
        'leave the records of 1 held subject(s) untouched (listed with this task)',
      );
      expect(task).toMatchObject({ subjectIds: null, excludeSubjectIds: ['cust-H'] });
    });

    it('a run over every system leaves the busy dataset out instead of refusing (409 only when named)', async () => {
      const all = await dpo().post('/retention/runs').send({ dryRun: false }).expect(202);
      expect(all.body.datasets.map((d: { system: string }) => d.system)).not.toContain('archives');
      expect(all.body.datasets.map((d: { system: string }) => d.system)).toContain('crm');
      await waitForRun(t, all.body.id as string);
      const [requested] = await finalite<{ payload: { skipped: { dataset: string; runId: string }[] } }>(
        `SELECT payload FROM audit_event WHERE type = 'retention.run.requested' AND target_id = $1`,
        [all.body.id],
      );
      expect(requested.payload.skipped).toEqual([
        expect.objectContaining({ dataset: 'public.customers', runId: taskRunId }),
      ]);
      const named = await dpo()
        .post('/retention/runs')
        .send({ system: 'archives', dryRun: false })
        .expect(409);
      expect(named.body.error).toBe('RETENTION_RUN_IN_PROGRESS');
    });

    it('a scheduled run finding every dataset busy is skipped, and the trail says so', async () => {
      const firedAt = '2031-06-01T03:00:00.000Z';
      await t.app.get(RetentionScheduler).fire('archives', firedAt);
      expect(
        await finalite(`SELECT id FROM retention_run WHERE schedule_key = $1`, [`archives@${firedAt}`]),
      ).toEqual([]);
      const [skipped] = await finalite<{ payload: Record<string, unknown> }>(
        `SELECT payload FROM audit_event WHERE type = 'retention.run.skipped' AND target_id = $1`,
        [`archives@${firedAt}`],
      );
      expect(skipped.payload).toMatchObject({
        kind: 'scheduled',
        system: 'archives',
        busy: [expect.objectContaining({ runId: taskRunId })],
      });
      expect(skipped.payload.reason).toMatch(/already in progress for public\.customers/);

      const tasks = await dpo().get('/retention/tasks').expect(200);
      const task = tasks.body.items.find((x: { runId: string }) => x.runId === taskRunId);
      await dpo()
        .post(`/retention/tasks/${task.id as string}/complete`)
        .send({ deleted: 0, anonymised: 0 })
        .expect(200);
      await waitForRun(t, taskRunId);
    });
  });

  it('summarises a period of many runs in SQL, purges only (dry runs neither count nor fail)', async () => {
    // More runs than PostgreSQL accepts parameters (65,535) in one statement.
    await finalite(
      `INSERT INTO retention_run (kind, status, dry_run, requested_by, created_at)
       SELECT 'on_demand', 'completed', i % 2 = 0, '{"type":"system","id":"system","name":"system"}'::jsonb,
              '2020-01-05T00:00:00Z'::timestamptz + i * interval '1 second'
         FROM generate_series(1, 70000) AS i`,
    );
    const runs = await finalite<{ id: string; dry_run: boolean }>(
      `SELECT id, dry_run FROM retention_run WHERE created_at >= '2020-01-05' AND created_at < '2020-02-01'
        ORDER BY created_at LIMIT 4`,
    );
    const [purgeA, dryA, purgeB, dryB] = runs;
    expect([purgeA.dry_run, dryA.dry_run, purgeB.dry_run, dryB.dry_run]).toEqual([false, true, false, true]);
    await finalite(`UPDATE retention_run SET status = 'failed' WHERE id = ANY($1::uuid[])`, [
      [purgeB.id, dryB.id],
    ]);
    await finalite(
      `INSERT INTO retention_run_dataset (run_id, position, dry_run, system_code, dataset_id, dataset_name,
         executor, status, rows_deleted, rows_anonymised, rows_held, errors, error)
       VALUES ($1, 0, false, 'crm', 'ds-x', 'public.x', 'postgres', 'completed', 5, 2, 1, 0, NULL),
              ($2, 0, true, 'crm', 'ds-x', 'public.x', 'postgres', 'completed', 50, 20, 10, 0, NULL),
              ($3, 0, false, 'crm', 'ds-x', 'public.x', 'postgres', 'failed', 1, 0, 0, 1, 'boom'),
              ($4, 0, true, 'crm', 'ds-x', 'public.x', 'postgres', 'failed', 0, 0, 0, 1, 'dry boom')`,
      [purgeA.id, dryA.id, purgeB.id, dryB.id],
    );
    const summary = await t.app
      .get(RetentionService)
      .summarise(new Date('2020-01-01T00:00:00Z'), new Date('2020-02-01T00:00:00Z'));
    expect(summary).toEqual({
      runs: 70000,
      failedRuns: 1,
      rows: [
        {
          systemCode: 'crm',
          datasetId: 'ds-x',
          datasetName: 'public.x',
          deleted: 6,
          anonymised: 2,
          held: 1,
          errors: 1,
        },
      ],
      failures: [
        { runId: purgeB.id, systemCode: 'crm', datasetId: 'ds-x', datasetName: 'public.x', message: 'boom' },
      ],
    });
  });
});
