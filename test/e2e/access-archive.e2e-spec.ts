import { Client } from 'pg';
import { AuditService } from '../../src/modules/audit/audit.service';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { binary } from '../utils/documents';
import { declareCrmCustomers } from '../utils/register-fixture';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

const IBAN = 'crm.customers.iban';
const JUSTIFICATION = 'Tax audit 2027-014: invoices requested by the tax authority';

/**
 * Issue 15, access side (ADR 0054): reaching the intermediate archive needs an explicit grant per
 * purpose and a justification, both recorded; a normal check on a subject whose active phase is
 * over (the retention engine's ledger, subject_archive_phase, written here directly) is ARCHIVED.
 */
describe('Access to the intermediate archive (PostgreSQL)', () => {
  let t: TestApp;
  let db: Client;
  let purposeId: string;
  let datasetId: string;
  const app = () => t.as(Role.Application);
  const admin = () => t.as(Role.Admin);

  const normal = (subjectId?: string) => ({ purpose: 'billing', action: 'read', fields: [IBAN], subjectId });
  const archive = (subjectId: string | undefined, justification?: string) => ({
    ...normal(subjectId),
    phase: 'archive',
    ...(justification === undefined ? {} : { justification }),
  });
  async function reason(body: Record<string, unknown>): Promise<string> {
    const res = await app().post('/access/check').send(body).expect(200);
    return res.body.fields[0].reason as string;
  }
  async function archiveSubject(subjectId: string, until = '2099-01-01T00:00:00Z'): Promise<void> {
    await db.query(
      `INSERT INTO subject_archive_phase (purpose_id, subject_id, dataset_id, active_ended_at, archive_until, run_id)
       VALUES ($1, $2, $3, now() - interval '1 day', $4, gen_random_uuid())`,
      [purposeId, subjectId, datasetId, until],
    );
  }
  async function setPurposes(body: Record<string, unknown>, status = 200) {
    return admin().put(`/principals/${t.principalIds[Role.Application]}/purposes`).send(body).expect(status);
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { RETENTION_SCHEDULER: 'off' } });
    db = await connectTo(t.databaseUrl!);
    const dpo = t.as(Role.Dpo);
    await dpo
      .post('/purposes')
      .send(purposeInput({ code: 'billing', legalBasis: 'contract' }))
      .expect(201);
    await dpo.post('/purposes/billing/activate').expect(200);
    await declareCrmCustomers(t, { iban: 'financial' });
    await dpo
      .put(`/fields/${IBAN}/purposes`)
      .send({ bindings: [{ purpose: 'billing', actions: ['read'] }] })
      .expect(200);
    await t.authoriseApplication(['billing']);
    purposeId = (await db.query<{ id: string }>(`SELECT id FROM purpose WHERE code = 'billing'`)).rows[0].id;
    datasetId = (await db.query<{ id: string }>(`SELECT id FROM inventory_dataset LIMIT 1`)).rows[0].id;
    await archiveSubject('archived-1');
    await archiveSubject('archive-over', '2020-01-01T00:00:00Z');
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('denies a normal check on a subject in archive phase (ARCHIVED), not on others', async () => {
    const res = await app().post('/access/check').send(normal('archived-1')).expect(200);
    expect(res.body).toMatchObject({
      decision: 'deny',
      fields: [{ field: IBAN, allowed: false, reason: 'ARCHIVED' }],
    });
    expect(await reason(normal('active-1'))).toBe('ALLOWED');
    expect(await reason(normal('archive-over'))).toBe('ALLOWED');
    expect(await reason(normal())).toBe('ALLOWED');
  });

  it('denies archive access without an archive grant, whatever the justification', async () => {
    expect(await reason(archive('archived-1', JUSTIFICATION))).toBe('ARCHIVE_ACCESS_NOT_AUTHORISED');
    const principal = await admin().get(`/principals/${t.principalIds[Role.Application]}`).expect(200);
    expect(principal.body.archivePurposeCodes).toEqual([]);
  });

  it('grants archive access per purpose through the authorisation route, audited, only on authorised purposes', async () => {
    const refused = await setPurposes({ purposeCodes: ['billing'], archivePurposeCodes: ['hr'] }, 422);
    expect(refused.body.error).toBe('ARCHIVE_GRANT_OUTSIDE_PURPOSES');
    const res = await setPurposes({ purposeCodes: ['billing'], archivePurposeCodes: ['billing'] });
    expect(res.body).toMatchObject({ purposeCodes: ['billing'], archivePurposeCodes: ['billing'] });
    const events = await db.query<{ payload: Record<string, unknown> }>(
      `SELECT payload FROM audit_event WHERE type = 'principal.purposes_set' ORDER BY seq DESC LIMIT 1`,
    );
    expect(events.rows[0].payload).toMatchObject({ archiveBefore: [], archiveAfter: ['billing'] });
    // Setting the purposes again without archivePurposeCodes keeps the grant.
    const kept = await setPurposes({ purposeCodes: ['billing'] });
    expect(kept.body.archivePurposeCodes).toEqual(['billing']);
  });

  it('denies archive access without a justification (its own reason), blank counting as missing', async () => {
    expect(await reason(archive('archived-1'))).toBe('ARCHIVE_JUSTIFICATION_MISSING');
    expect(await reason(archive('archived-1', '   '))).toBe('ARCHIVE_JUSTIFICATION_MISSING');
    const tooLong = await app()
      .post('/access/check')
      .send(archive('archived-1', 'x'.repeat(1001)))
      .expect(400);
    expect(tooLong.body.error).toBe('VALIDATION_FAILED');
  });

  it('allows archive access with both, and records the decision with its justification', async () => {
    const res = await app()
      .post('/access/check')
      .send({ ...archive('archived-1', `  ${JUSTIFICATION}  `), context: { ticket: 'AUD-7' } })
      .expect(200);
    expect(res.body).toMatchObject({
      decision: 'allow',
      fields: [{ field: IBAN, allowed: true, reason: 'ALLOWED' }],
    });
    const recorded = await db.query<{ payload: Record<string, unknown>; subject_ref: string | null }>(
      `SELECT payload, subject_ref FROM audit_event WHERE type = 'access.decision' AND target_id = $1`,
      [res.body.decisionId],
    );
    expect(recorded.rows[0].payload).toMatchObject({
      decision: 'allow',
      phase: 'archive',
      justification: JUSTIFICATION,
      context: { ticket: 'AUD-7' },
    });
    expect(recorded.rows[0].subject_ref).toBe(t.app.get(AuditService).subjectRef('archived-1'));
    // A denied archive access is recorded the same way (justification null when missing).
    const denied = await app().post('/access/check').send(archive('archived-1')).expect(200);
    const deniedRow = await db.query<{ payload: Record<string, unknown> }>(
      `SELECT payload FROM audit_event WHERE type = 'access.decision' AND target_id = $1`,
      [denied.body.decisionId],
    );
    expect(deniedRow.rows[0].payload).toMatchObject({
      decision: 'deny',
      phase: 'archive',
      justification: null,
    });
  });

  it('denies archive access to a subject not in archive phase, or to no subject', async () => {
    expect(await reason(archive('active-1', JUSTIFICATION))).toBe('NOT_ARCHIVED');
    expect(await reason(archive('archive-over', JUSTIFICATION))).toBe('NOT_ARCHIVED');
    expect(await reason(archive(undefined, JUSTIFICATION))).toBe('ARCHIVE_SUBJECT_REQUIRED');
  });

  it('answers archive checks in a batch as one by one', async () => {
    const res = await app()
      .post('/access/check/batch')
      .send({
        checks: [
          archive('archived-1', JUSTIFICATION),
          archive('archived-1'),
          normal('archived-1'),
          archive('active-1', JUSTIFICATION),
        ],
      })
      .expect(200);
    expect(res.body.results.map((r: { fields: { reason: string }[] }) => r.fields[0].reason)).toEqual([
      'ALLOWED',
      'ARCHIVE_JUSTIFICATION_MISSING',
      'ARCHIVED',
      'NOT_ARCHIVED',
    ]);
  });

  it('denies a subject archived after its state was cached within the cache lifetime (1 s)', async () => {
    expect(await reason(normal('late-1'))).toBe('ALLOWED');
    await archiveSubject('late-1');
    const deadline = Date.now() + 1_500;
    let last = 'ALLOWED';
    while (Date.now() < deadline && last !== 'ARCHIVED') {
      await new Promise((r) => setTimeout(r, 100));
      last = await reason(normal('late-1'));
    }
    expect(last).toBe('ARCHIVED');
  });

  it('denies at once when the archiving transaction notifies the subject-state channel', async () => {
    expect(await reason(normal('late-2'))).toBe('ALLOWED');
    await db.query('BEGIN');
    await archiveSubject('late-2');
    await db.query(`SELECT pg_notify('finalite_subject_state', $1)`, [
      t.app.get(AuditService).subjectRef('late-2'),
    ]);
    await db.query('COMMIT');
    // The listener drops the cached state when the notification arrives (well under the TTL).
    await new Promise((r) => setTimeout(r, 150));
    expect(await reason(normal('late-2'))).toBe('ARCHIVED');
  });

  it('explains an archive check for a DPO, as the application', async () => {
    const res = await t
      .as(Role.Dpo)
      .post('/access/explain')
      .send({ ...archive('archived-1', JUSTIFICATION), applicationId: t.principalIds[Role.Application] })
      .expect(200);
    const rules = (res.body.fields[0].trail as { rule: string; outcome: string }[]).map((s) => [
      s.rule,
      s.outcome,
    ]);
    expect(rules).toEqual(
      expect.arrayContaining([
        ['ARCHIVE_ACCESS_NOT_AUTHORISED', 'pass'],
        ['ARCHIVE_JUSTIFICATION_MISSING', 'pass'],
        ['NOT_ARCHIVED', 'pass'],
        ['CONSENT_REQUIRED', 'not_applicable'],
      ]),
    );
    expect(res.body.decision).toBe('allow');
  });

  it('counts archive accesses apart in the access report', async () => {
    const doc = await t.as(Role.Auditor).get('/reports/access').buffer(true).parse(binary).expect(200);
    const body = JSON.parse((doc.body as Buffer).toString('utf8')) as {
      totals: { decisions: number };
      archiveAccesses: { decisions: number; byOutcome: Record<string, number>; rows: { outcome: string }[] };
    };
    const sql = await db.query<{ decision: string; n: number }>(
      `SELECT payload->>'decision' AS decision, count(*)::int AS n FROM audit_event
        WHERE type = 'access.decision' AND payload->>'phase' = 'archive' GROUP BY 1`,
    );
    const expected = Object.fromEntries(sql.rows.map((r) => [r.decision, r.n]));
    expect(expected.allow).toBe(2);
    expect(body.archiveAccesses.byOutcome).toEqual(expected);
    expect(body.archiveAccesses.decisions).toBe(sql.rows.reduce((s, r) => s + r.n, 0));
    expect(body.totals.decisions).toBeGreaterThan(body.archiveAccesses.decisions);
  });
});
