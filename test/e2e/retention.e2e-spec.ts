import { Role } from '../../src/policies/role.enum';
import { RETENTION_CUSTOMERS, startRetentionSuite } from '../utils/retention-suite';
import { startForSuite } from '../utils/suite-fixture';

/**
 * The retention engine on a real CRM database, as time passes: each field's rule in plain words,
 * legal holds, a dry run, purges by time and what is overdue. Erasure, consent withdrawal, refused
 * names, schedules and the webhook and manual executors: retention-runs.e2e-spec.ts.
 */
describe('Retention engine (PostgreSQL, a real CRM database)', () => {
  const s = startForSuite(() => startRetentionSuite(RETENTION_CUSTOMERS));
  const dpo = () => s.t.as(Role.Dpo);

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
      .send({ scope: 'subject', datasetId: s.datasetId, reason: 'Litigation' })
      .expect(400);
    expect(bad.body.error).toBe('LEGAL_HOLD_TARGET_INVALID');
    const hold = await dpo()
      .post('/legal-holds')
      .send({ scope: 'subject', subjectId: 'cust-E', reason: 'Litigation 2026-CV-118' })
      .expect(201);
    expect(hold.body).toMatchObject({ scope: 'subject', subjectId: 'cust-E', inForce: true });
    const list = await s.t.as(Role.Auditor).get('/legal-holds').expect(200);
    expect(list.body.items.map((h: { id: string }) => h.id)).toContain(hold.body.id);
    await s.t
      .as(Role.Auditor)
      .post('/legal-holds')
      .send({ scope: 'system', systemCode: 'crm', reason: 'x' })
      .expect(403);
    const [event] = await s.finalite<{ subject_ref: string | null; payload: Record<string, unknown> }>(
      `SELECT subject_ref, payload FROM audit_event WHERE type = 'legal_hold.placed' AND target_id = $1`,
      [hold.body.id],
    );
    expect(event.subject_ref).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(event.payload)).not.toContain('cust-E');
  });

  it('a dry run computes the counts and a sample of keys and changes nothing', async () => {
    const before = await s.customers();
    const run = await s.runAndWait({ system: 'crm', dryRun: true });
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
    expect(await s.customers()).toEqual(before);
  });

  it('purges by time: keeps a row while a purpose lasts, anonymises, then deletes — and the trail proves each batch', async () => {
    const run = await s.runAndWait({ dataset: 'public.customers', dryRun: false });
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
    let rows = await s.customers();
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

    const batches = await s.finalite<{ payload: Record<string, unknown> }>(
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
    const trail = await s.finalite<{ type: string; payload: unknown }>(
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
    await s.crm.query(`UPDATE customers SET last_interaction = now() - interval '4 years' WHERE id = 2`);
    const second = await s.runAndWait({ system: 'crm', dryRun: false });
    expect(second.totals).toMatchObject({ scanned: 6, deleted: 1, anonymised: 0, held: 1 });
    rows = await s.customers();
    expect([...rows.keys()]).toEqual([1, 4, 5, 6, 7]);
  });

  it('reports what is overdue now and for how long', async () => {
    const res = await s.t.as(Role.Auditor).get('/retention/overdue').expect(200);
    const [item] = res.body.items;
    expect(item.error).toBeNull();
    expect(item).toMatchObject({
      system: 'crm',
      dataset: 'public.customers',
      measurable: true,
      dueRows: 0,
      heldRows: 1,
    });
    await s.crm.query(`UPDATE customers SET last_interaction = now() - interval '5 years' WHERE id = 1`);
    const after = await s.t.as(Role.Auditor).get('/retention/overdue').expect(200);
    // cust-A: the newsletter (3 years) ended 2 years ago, support (1 year) 4 years ago.
    expect(after.body.items[0]).toMatchObject({ dueRows: 1, heldRows: 1 });
    expect(after.body.items[0].overdueDays).toBeGreaterThanOrEqual(2 * 365 - 2);
    expect(after.body.items[0].overdueDays).toBeLessThanOrEqual(2 * 365 + 2);
    await s.crm.query(`UPDATE customers SET last_interaction = now() - interval '180 days' WHERE id = 1`);
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
    const run = await s.runAndWait({ system: 'crm', dryRun: false });
    expect(run.totals).toMatchObject({ deleted: 1, held: 0 });
    expect((await s.customers()).has(5)).toBe(false);
  });

  it('a dataset hold suspends every purge of the dataset', async () => {
    await s.crm.query(`UPDATE customers SET last_interaction = now() - interval '4 years' WHERE id = 1`);
    const hold = await dpo()
      .post('/legal-holds')
      .send({ scope: 'dataset', datasetId: s.datasetId, reason: 'Regulator inquiry' })
      .expect(201);
    const run = await s.runAndWait({ system: 'crm', dryRun: false });
    expect(run.totals).toMatchObject({ deleted: 0, anonymised: 0, held: 1 });
    expect((await s.customers()).has(1)).toBe(true);
    await dpo()
      .delete(`/legal-holds/${hold.body.id as string}`)
      .expect(200);
    await s.crm.query(`UPDATE customers SET last_interaction = now() - interval '180 days' WHERE id = 1`);
  });
});
