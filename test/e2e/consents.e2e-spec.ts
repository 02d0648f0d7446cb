import { EventEmitter2 } from '@nestjs/event-emitter';
import { Client } from 'pg';
import { ConsentsService } from '../../src/modules/consents/consents.service';
import { CONSENT_WITHDRAWN_EVENT, ConsentWithdrawnEvent } from '../../src/modules/consents/consent.model';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

describe('Consents and restrictions (PostgreSQL)', () => {
  let t: TestApp;
  let db: Client;
  const app = () => t.as(Role.Application);
  const dpo = () => t.as(Role.Dpo);

  const NEWSLETTER = 'marketing.newsletter';
  const BILLING = 'billing.invoices';
  const DRAFT = 'marketing.draft-offer';
  const OTHER = 'marketing.partners';

  async function activePurpose(code: string, overrides: Record<string, unknown> = {}) {
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code, ...overrides }))
      .expect(201);
    await dpo().post(`/purposes/${code}/activate`).expect(200);
  }

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.query<{ n: string }>(sql, params)).rows[0].n);

  beforeAll(async () => {
    t = await startTestApp();
    db = await connectTo(t.databaseUrl!);
    await activePurpose(NEWSLETTER);
    await activePurpose(OTHER);
    await activePurpose(BILLING, { legalBasis: 'contract' });
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code: DRAFT }))
      .expect(201);
    await t.authoriseApplication([NEWSLETTER, BILLING, DRAFT]);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('grants then withdraws, keeping the history, auditing both and announcing the withdrawal', async () => {
    const withdrawals: ConsentWithdrawnEvent[] = [];
    t.app.get(EventEmitter2).on(CONSENT_WITHDRAWN_EVENT, (e: ConsentWithdrawnEvent) => withdrawals.push(e));
    const granted = await app()
      .post('/subjects/customer-1/consents')
      .send({
        purpose: NEWSLETTER,
        status: 'granted',
        source: 'web-shop/signup',
        proof: { formVersion: '2026-03', text: 'Send me the newsletter' },
      })
      .expect(201);
    expect(granted.body).toMatchObject({
      subjectId: 'customer-1',
      purpose: NEWSLETTER,
      status: 'granted',
      purposeVersion: 2, // created (1) then activated (2): defaults to the current version
      proof: { formVersion: '2026-03' },
    });
    expect(withdrawals).toEqual([]);

    await app()
      .post('/subjects/customer-1/consents')
      .send({ purpose: NEWSLETTER, status: 'withdrawn', source: 'web-shop/preferences' })
      .expect(201);
    expect(withdrawals).toEqual([
      { subjectId: 'customer-1', purposeCode: NEWSLETTER, withdrawnAt: expect.any(Date) },
    ]);

    const state = await app().get('/subjects/customer-1/consents').expect(200);
    expect(state.body.current).toEqual([
      expect.objectContaining({ purpose: NEWSLETTER, status: 'withdrawn', source: 'web-shop/preferences' }),
    ]);
    expect(state.body.history.map((h: { status: string }) => h.status)).toEqual(['withdrawn', 'granted']);

    // Both changes are in the trail, with the subject as a keyed hash only.
    const rows = await db.query<{ type: string; subject_ref: string }>(
      `SELECT type, subject_ref FROM audit_event WHERE type LIKE 'consent.%' ORDER BY seq`,
    );
    expect(rows.rows.map((r) => r.type)).toEqual(['consent.granted', 'consent.withdrawn']);
    expect(rows.rows[0].subject_ref).toMatch(/^[0-9a-f]{64}$/);
    expect(await count(`SELECT count(*) AS n FROM audit_event WHERE payload::text LIKE '%customer-1%'`)).toBe(
      0,
    );

    // The retention engine's view of it.
    const consents = t.app.get(ConsentsService);
    expect(await consents.findWithdrawals([NEWSLETTER])).toEqual([
      { subjectId: 'customer-1', purposeCode: NEWSLETTER, withdrawnAt: expect.any(Date) },
    ]);
    expect(await consents.findWithdrawals([NEWSLETTER], ['someone-else'])).toEqual([]);
    expect(await consents.hasConsentRecords(NEWSLETTER)).toBe(true);
    expect(await consents.hasConsentRecords(BILLING)).toBe(false);
  });

  it.each([
    [{ purpose: BILLING }, 422, 'CONSENT_NOT_APPLICABLE'],
    // Not authorised comes first, so an application cannot probe which purposes exist.
    [{ purpose: 'no.such-purpose' }, 403, 'CONSENT_PURPOSE_NOT_AUTHORISED'],
    [{ purpose: DRAFT }, 422, 'CONSENT_PURPOSE_NOT_ACTIVE'],
    [{ purpose: OTHER }, 403, 'CONSENT_PURPOSE_NOT_AUTHORISED'],
    [{ purposeVersion: 99 }, 422, 'CONSENT_PURPOSE_VERSION_INVALID'],
    [{ proof: { blob: 'x'.repeat(9000) } }, 422, 'CONSENT_PROOF_TOO_LARGE'],
    [{ occurredAt: '2999-01-01T00:00:00Z' }, 422, 'CONSENT_TIMESTAMP_IN_FUTURE'],
    [{ status: 'maybe' }, 400, 'VALIDATION_FAILED'],
    [{ unexpected: true }, 400, 'VALIDATION_FAILED'],
  ])('refuses bad consent #%# and writes nothing', async (override, status, code) => {
    const before = await count('SELECT count(*) AS n FROM consent_event');
    const res = await app()
      .post('/subjects/customer-2/consents')
      .send({ purpose: NEWSLETTER, status: 'granted', source: 'shop', ...override })
      .expect(status);
    expect(res.body.error).toBe(code);
    expect(await count('SELECT count(*) AS n FROM consent_event')).toBe(before);
  });

  it('validates subject ids in paths', async () => {
    const res = await app()
      .get(`/subjects/${'x'.repeat(201)}/consents`)
      .expect(400);
    expect(res.body.error).toBe('INVALID_SUBJECT_ID');
    await app().get('/subjects/%20padded/consents').expect(400);
  });

  it('imports NDJSON all or nothing, reporting bad lines by number', async () => {
    const before = await count('SELECT count(*) AS n FROM consent_event');
    const bad = [
      JSON.stringify({ subjectId: 'imp-1', purpose: NEWSLETTER, status: 'granted', source: 'crm' }),
      '',
      '{broken',
      JSON.stringify({ subjectId: 'imp-2', purpose: BILLING, status: 'granted', source: 'crm' }),
      JSON.stringify({ subjectId: 'imp-3', purpose: NEWSLETTER, status: 'granted', source: 'crm' }),
    ].join('\n');
    const rejected = await app()
      .post('/consents/import')
      .set('Content-Type', 'application/x-ndjson')
      .send(bad)
      .expect(422);
    expect(rejected.body.error).toBe('CONSENT_IMPORT_REJECTED');
    expect(rejected.body.details.errorCount).toBe(2);
    expect(rejected.body.details.errors.map((e: { line: number }) => e.line)).toEqual([3, 4]);
    expect(rejected.body.details.errors[1].problems[0]).toMatch(/not consent/);
    expect(await count('SELECT count(*) AS n FROM consent_event')).toBe(before);

    const good = [
      { subjectId: 'imp-1', status: 'granted', occurredAt: '2025-01-01T00:00:00Z' },
      { subjectId: 'imp-1', status: 'withdrawn', occurredAt: '2025-06-01T00:00:00Z' },
      // Older than the withdrawal: history only, the current state stays withdrawn.
      { subjectId: 'imp-1', status: 'granted', occurredAt: '2025-03-01T00:00:00Z' },
      { subjectId: 'imp-2', status: 'granted' },
    ]
      .map((r) => JSON.stringify({ purpose: NEWSLETTER, source: 'crm-export', ...r }))
      .join('\n');
    const imported = await app()
      .post('/consents/import')
      .set('Content-Type', 'application/x-ndjson')
      .send(good)
      .expect(200);
    expect(imported.body).toMatchObject({ lines: 4, imported: 4, granted: 3, withdrawn: 1 });
    const state = await app().get('/subjects/imp-1/consents').expect(200);
    expect(state.body.current).toEqual([
      expect.objectContaining({ purpose: NEWSLETTER, status: 'withdrawn' }),
    ]);
    expect(state.body.history).toHaveLength(3);
    expect(
      await count(
        `SELECT count(*) AS n FROM audit_event WHERE type LIKE 'consent.%' AND payload->>'importId' = $1`,
        [imported.body.importId],
      ),
    ).toBe(4);
  });

  it('streams an octet-stream import and refuses other media types', async () => {
    const body = JSON.stringify({
      subjectId: 'imp-9',
      purpose: NEWSLETTER,
      status: 'granted',
      source: 'crm',
    });
    const streamed = await app()
      .post('/consents/import')
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.from(body))
      .expect(200);
    expect(streamed.body.imported).toBe(1);
    await app().post('/consents/import').send({ subjectId: 'x' }).expect(415);
  });

  it('streams an application/x-ndjson import past the 1 MB body limit', async () => {
    const rows = 12_000; // ~1.3 MB: would be a 413 if it were buffered like a JSON body
    const lines = Array.from({ length: rows }, (_, i) =>
      JSON.stringify({
        subjectId: `bulk-${i}`,
        purpose: NEWSLETTER,
        status: 'granted',
        source: 'crm-export',
      }),
    ).join('\n');
    expect(Buffer.byteLength(lines)).toBeGreaterThan(1_048_576);
    const imported = await app()
      .post('/consents/import')
      .set('Content-Type', 'application/x-ndjson')
      .send(lines)
      .expect(200);
    expect(imported.body).toMatchObject({ lines: rows, imported: rows, granted: rows });
  });

  it('restricts a subject, lists it, and lets a DPO lift it (once)', async () => {
    const set = await app()
      .post('/subjects/customer-3/restrictions')
      .send({ purposes: [NEWSLETTER], reason: 'Accuracy contested (art. 18(1)(a))' })
      .expect(201);
    expect(set.body).toMatchObject({ kind: 'restriction', purposes: [NEWSLETTER], active: true });
    // Every purpose at once, and the unknown-purpose answer, are a DPO's (an application gets 403:
    // test/e2e/least-privilege.e2e-spec.ts).
    const objection = await dpo()
      .post('/subjects/customer-3/restrictions')
      .send({ kind: 'objection', reason: 'Objects to all processing (art. 21)' })
      .expect(201);
    expect(objection.body.purposes).toBeNull();
    await dpo()
      .post('/subjects/customer-3/restrictions')
      .send({ purposes: ['no.such-purpose'], reason: 'x' })
      .expect(422);

    const listed = await dpo().get('/subjects/customer-3/restrictions').expect(200);
    expect(listed.body.items).toHaveLength(2);

    await app()
      .post(`/subjects/customer-3/restrictions/${set.body.id as string}/lift`)
      .send({ reason: 'corrected' })
      .expect(403);
    const lifted = await dpo()
      .post(`/subjects/customer-3/restrictions/${set.body.id as string}/lift`)
      .send({ reason: 'Accuracy verified' })
      .expect(200);
    expect(lifted.body).toMatchObject({ active: false, liftReason: 'Accuracy verified' });
    const again = await dpo()
      .post(`/subjects/customer-3/restrictions/${set.body.id as string}/lift`)
      .send({ reason: 'again' })
      .expect(409);
    expect(again.body.error).toBe('RESTRICTION_ALREADY_LIFTED');
    expect(
      await count(
        `SELECT count(*) AS n FROM audit_event WHERE type IN ('restriction.set', 'restriction.lifted')`,
      ),
    ).toBe(3);
  });
});
