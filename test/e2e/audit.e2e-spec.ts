import { AuditService } from '../../src/modules/audit/audit.service';
import { SYSTEM_ACTOR } from '../../src/policies/principal';
import { Role } from '../../src/policies/role.enum';
import { appendConcurrentEvents, appendSubjectEvents } from '../utils/audit-fixture';
import { startForSuite } from '../utils/suite-fixture';
import { connectTo } from '../utils/test-database';
import { startTestApp } from '../utils/test-app';

/**
 * The audit trail: one chain that verifies, the events' shape, search by subject, filters and bad
 * input. Signed checkpoints and exports: audit-exports.e2e-spec.ts.
 */
describe('Audit trail API (PostgreSQL)', () => {
  const t = startForSuite(() => startTestApp());
  let audit: AuditService;
  const auditor = () => t.as(Role.Auditor);

  beforeAll(async () => {
    audit = t.app.get(AuditService);
  });

  it('records concurrent appends as one gap-free chain that verifies', async () => {
    const records = await appendConcurrentEvents(audit);
    const seqs = records.map((r) => r.seq).sort((a, b) => a - b);
    expect(seqs[seqs.length - 1] - seqs[0]).toBe(119);
    const stored = await auditor().get(`/audit/events/${records[5].seq}`).expect(200);
    expect(stored.body).toEqual(records[5]);
    expect(stored.body.payload.when).toBe('1970-01-01T00:00:00.000Z');

    const verified = await auditor().get('/audit/verify').expect(200);
    expect(verified.body).toMatchObject({ ok: true, fromSeq: 1, firstBreak: null });
    expect(verified.body.head.seq).toBeGreaterThanOrEqual(seqs[seqs.length - 1]);
    expect(verified.body.checkedEvents).toBe(verified.body.head.seq);
  });

  it('keeps the caller’s actor, target, request id and time, and refuses unstorable events alone', async () => {
    const rec = await audit.append({
      type: 'test.shape',
      actor: { ...SYSTEM_ACTOR, extra: 'not stored' } as never,
      target: { type: 'purpose', id: 'p1' },
      requestId: 'req-123',
      payload: { dropped: undefined, kept: 1 },
    });
    expect(rec.actor).toEqual(SYSTEM_ACTOR);
    expect(rec.payload).toEqual({ kept: 1 });
    const [ok, bad] = await Promise.allSettled([
      audit.append({ type: 'test.ok', actor: SYSTEM_ACTOR }),
      audit.append({ type: 'test.bad', actor: SYSTEM_ACTOR, payload: { text: 'nul\u0000char' } }),
    ]);
    expect(ok.status).toBe('fulfilled');
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'AUDIT_EVENT_INVALID' } });
    const got = await auditor().get(`/audit/events/${rec.seq}`).expect(200);
    expect(got.body).toMatchObject({ target: { type: 'purpose', id: 'p1' }, requestId: 'req-123' });
  });

  it('searches by subject id through its keyed hash; the table never holds the id in clear', async () => {
    const subjectId = 'customer-4242@example.org';
    await appendSubjectEvents(audit, subjectId);

    const found = await auditor().get('/audit/events').query({ subjectId }).expect(200);
    expect(found.body.items).toHaveLength(2);
    expect(found.body.items[0].subjectRef).toBe(audit.subjectRef(subjectId));
    expect(found.body.items[0].subjectRef).not.toContain('customer');

    const db = await connectTo(t.databaseUrl!);
    try {
      const clear = await db.query(
        `SELECT count(*)::int AS n FROM audit_event WHERE position($1 in audit_event::text) > 0`,
        [subjectId],
      );
      expect(clear.rows[0].n).toBe(0);
      const hashed = await db.query(`SELECT count(*)::int AS n FROM audit_event WHERE subject_ref = $1`, [
        audit.subjectRef(subjectId),
      ]);
      expect(hashed.rows[0].n).toBe(2);
    } finally {
      await db.end();
    }
  });

  it('filters by type (exact or prefix), actor, purpose and time, with cursor pagination', async () => {
    const byType = await auditor()
      .get('/audit/events')
      .query({ type: 'test.concurrent', limit: 50 })
      .expect(200);
    expect(byType.body.items).toHaveLength(50);
    expect(byType.body.items.every((e: { type: string }) => e.type === 'test.concurrent')).toBe(true);
    const seen = new Set<number>(byType.body.items.map((e: { seq: number }) => e.seq));
    let cursor = byType.body.nextCursor as string | null;
    while (cursor) {
      const page = await auditor()
        .get('/audit/events')
        .query({ type: 'test.concurrent', limit: 50, cursor })
        .expect(200);
      for (const e of page.body.items) seen.add(e.seq);
      cursor = page.body.nextCursor;
    }
    expect(seen.size).toBe(120);

    const prefix = await auditor().get('/audit/events').query({ type: 'test.*', limit: 500 }).expect(200);
    expect(prefix.body.items).toHaveLength(122); // 120 test.concurrent, test.shape, test.ok
    expect(prefix.body.items.every((e: { type: string }) => e.type.startsWith('test.'))).toBe(true);

    const purpose = await auditor()
      .get('/audit/events')
      .query({ purpose: 'hr.payroll', type: 'test.concurrent', order: 'asc', limit: 500 })
      .expect(200);
    expect(purpose.body.items).toHaveLength(60);
    const ascending = purpose.body.items.map((e: { seq: number }) => e.seq);
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));

    const byActor = await auditor()
      .get('/audit/events')
      .query({ actor: SYSTEM_ACTOR.id, limit: 1 })
      .expect(200);
    expect(byActor.body.items[0].actor.id).toBe(SYSTEM_ACTOR.id);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await auditor().get('/audit/events').query({ from: future }).expect(200);
    expect(none.body).toEqual({ items: [], nextCursor: null });
  });

  it('answers 4xx to bad input, 404 to an unknown seq, 403 to an application', async () => {
    for (const seq of ['0', '-1', 'abc', '1.5', '99999999999999999999']) {
      expect((await auditor().get(`/audit/events/${seq}`).expect(400)).body.error).toBe('AUDIT_SEQ_INVALID');
    }
    expect((await auditor().get('/audit/events/999999').expect(404)).body.error).toBe(
      'AUDIT_EVENT_NOT_FOUND',
    );
    expect(
      (await auditor().get('/audit/verify').query({ fromSeq: 10, toSeq: 5 }).expect(400)).body.error,
    ).toBe('AUDIT_RANGE_INVALID');
    await auditor().get('/audit/verify').query({ fromSeq: 'x' }).expect(400);
    await auditor().get('/audit/verify').query({ fromSeq: 0 }).expect(400);
    await auditor().get('/audit/export').query({ format: 'xml' }).expect(400);
    await auditor().get('/audit/export').query({ fromSeq: 9, toSeq: 2 }).expect(400);
    await auditor().get('/audit/events').query({ from: 'yesterday' }).expect(400);
    await auditor().get('/audit/events').query({ type: 'a b' }).expect(400);
    await auditor().get('/audit/events').query({ cursor: 'garbage' }).expect(400);
    await auditor().get('/audit/events').query({ unknown: 1 }).expect(400);
    expect(
      (
        await auditor()
          .get('/audit/events')
          .query({ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' })
          .expect(400)
      ).body.error,
    ).toBe('AUDIT_RANGE_INVALID');
    await t.as(Role.Application).get('/audit/events').expect(403);
    await t.as(Role.Application).get('/audit/export').expect(403);
    await t.http().get('/audit/verify').expect(401);
    await t.as(Role.Dpo).get('/audit/verify').expect(200);
  });
});
