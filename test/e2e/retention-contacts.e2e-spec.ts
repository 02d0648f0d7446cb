import { Role } from '../../src/policies/role.enum';
import { createCrm, Crm, registerDataset } from '../utils/crm-fixture';
import { ensurePurposes } from '../utils/register-fixture';
import { waitForRun } from '../utils/retention-run-polling';
import { queryRows } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Issue 15, defect 1: a consent-based purpose kept 3 years after the last interaction. The
 * `last_interaction` clock starts no earlier than the latest consent grant recorded in Finalité
 * nor than the latest contact an application recorded (POST /subjects/{id}/interactions or the
 * import), per subject, in the purge, the overdue view and the rule in words. Time is simulated
 * through the data (the rows' column, the contacts' occurredAt), never the clock.
 */
describe('Retention: contacts recorded in Finalité restart the last_interaction clock', () => {
  let t: TestApp;
  let crm: Crm;
  const dpo = () => t.as(Role.Dpo);
  const app = () => t.as(Role.Application);
  const yearsAgo = (y: number) => new Date(Date.now() - y * 365.25 * 86_400_000).toISOString();

  beforeAll(async () => {
    t = await startTestApp({ env: { RETENTION_SCHEDULER: 'off' } });
    crm = await createCrm('contacts');
    await crm.query(`CREATE TABLE prospects (
      id int PRIMARY KEY, ref text NOT NULL, email text, last_contact timestamptz)`);
    await ensurePurposes(t, [
      {
        code: 'marketing.newsletter',
        legalBasis: 'consent',
        retention: { duration: 'P3Y', trigger: 'last_interaction' },
      },
    ]);
    await registerDataset(t, crm, {
      systemCode: 'shop',
      name: 'public.prospects',
      subjectColumn: 'ref',
      timestampColumns: { lastInteraction: 'last_contact' },
      fields: [['email', 'contact', { strategy: 'nullify' }, ['marketing.newsletter']]],
    });
    await t.authoriseApplication(['marketing.newsletter']);
  });
  afterAll(async () => {
    await t?.close();
    await crm?.close();
  });

  it('records interactions one by one and in a batch, all or nothing, audited', async () => {
    const one = await app()
      .post('/subjects/p-3/interactions')
      .send({ kind: 'purchase', source: 'web-shop/checkout', occurredAt: yearsAgo(0.1) })
      .expect(201);
    expect(one.body).toMatchObject({ subjectId: 'p-3', kind: 'purchase', source: 'web-shop/checkout' });
    const batch = await app()
      .post('/interactions/import')
      .send({
        interactions: [
          { subjectId: 'p-4', kind: 'reply', source: 'support', occurredAt: yearsAgo(3.5) },
          { subjectId: 'p-6', kind: 'sign_in', source: 'web-shop', occurredAt: yearsAgo(3.5) },
        ],
      })
      .expect(200);
    expect(batch.body.imported).toBe(2);
    // One bad row: nothing is written.
    const bad = await app()
      .post('/interactions/import')
      .send({
        interactions: [
          { subjectId: 'p-2', kind: 'reply', source: 'support', occurredAt: yearsAgo(0.1) },
          { subjectId: 'p-2', kind: 'reply', source: 'support', occurredAt: '2999-01-01T00:00:00Z' },
        ],
      })
      .expect(422);
    expect(bad.body.error).toBe('INTERACTION_TIMESTAMP_IN_FUTURE');
    await app().post('/subjects/p-2/interactions').send({ kind: 'Bad Kind', source: 'x' }).expect(400);
    await dpo().post('/subjects/p-2/interactions').send({ kind: 'reply', source: 'x' }).expect(403);
    const stored = await queryRows<{ subject_id: string }>(
      t.databaseUrl!,
      `SELECT subject_id FROM subject_interaction ORDER BY subject_id`,
    );
    expect(stored.map((r) => r.subject_id)).toEqual(['p-3', 'p-4', 'p-6']);
    const audited = await queryRows<{ n: number }>(
      t.databaseUrl!,
      `SELECT count(*)::int AS n FROM audit_event WHERE type = 'subject.interaction_recorded'`,
    );
    expect(audited[0].n).toBe(3);
  });

  it('says in words that recorded contacts restart the clock', async () => {
    const rules = await dpo().get('/retention/rules').query({ system: 'shop' }).expect(200);
    expect(rules.body.items[0].fields[0].rule).toBe(
      "email: erased (set to null) (the row is deleted once all its fields are due) once 3 years have passed since last_contact and since the subject's latest contact recorded in Finalité (consent to marketing.newsletter granted or renewed, or an interaction recorded for the subject) (marketing.newsletter) or consent for marketing.newsletter is withdrawn",
    );
  });

  it('grant today → kept; no contact for 3 years → due; a recorded interaction restarts the clock', async () => {
    // Every prospect's own column says 4 years since the last contact.
    for (const [id, ref] of [
      [1, 'p-1'],
      [2, 'p-2'],
      [3, 'p-3'],
      [4, 'p-4'],
      [5, 'p-5'],
    ] as const) {
      await crm.query(`INSERT INTO prospects VALUES ($1, $2, $3, now() - interval '4 years')`, [
        id,
        ref,
        `${ref}@example.com`,
      ]);
    }
    // p-1 opts in today; p-5 opted in 3.5 years ago (that grant's clock is over too).
    await app()
      .post('/subjects/p-1/consents')
      .send({ purpose: 'marketing.newsletter', status: 'granted', source: 'newsletter-form' })
      .expect(201);
    await app()
      .post('/subjects/p-5/consents')
      .send({
        purpose: 'marketing.newsletter',
        status: 'granted',
        source: 'newsletter-form',
        occurredAt: yearsAgo(3.5),
      })
      .expect(201);

    const overdue = await t.as(Role.Auditor).get('/retention/overdue').expect(200);
    const item = overdue.body.items.find((i: { dataset: string }) => i.dataset === 'public.prospects');
    expect(item).toMatchObject({ error: null, dueRows: 3, heldRows: 0 });

    const created = await dpo().post('/retention/runs').send({ system: 'shop', dryRun: false }).expect(202);
    const run = await waitForRun(t, created.body.id as string);
    expect(run.status).toBe('completed');
    expect(run.totals).toMatchObject({ scanned: 5, deleted: 3, errors: 0 });
    const left = await crm.query<{ ref: string; email: string }>(
      `SELECT ref, email FROM prospects ORDER BY id`,
    );
    // p-1 (fresh opt-in) and p-3 (purchase a month ago) are kept; p-2 (no contact), p-4 (a reply
    // 3.5 years ago) and p-5 (a grant 3.5 years ago) are due.
    expect(left).toEqual([
      { ref: 'p-1', email: 'p-1@example.com' },
      { ref: 'p-3', email: 'p-3@example.com' },
    ]);

    // Once the interaction is older than the duration, the clock runs out for p-3 as well.
    await crm.query(`INSERT INTO prospects VALUES (6, 'p-6', 'p-6@example.com', now() - interval '4 years')`);
    const again = await t.as(Role.Auditor).get('/retention/overdue').expect(200);
    expect(again.body.items.find((i: { dataset: string }) => i.dataset === 'public.prospects')).toMatchObject(
      {
        dueRows: 1,
      },
    );
  });
});
