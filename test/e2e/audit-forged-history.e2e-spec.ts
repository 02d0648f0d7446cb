import type { Client } from 'pg';
import { chainHash } from '../../src/modules/audit/audit-hash';
import { AuditEventRecord, GENESIS_HASH } from '../../src/modules/audit/audit-event.types';
import { AuditIntegrityService } from '../../src/modules/audit/audit-integrity.service';
import { AuditService } from '../../src/modules/audit/audit.service';
import { SYSTEM_ACTOR } from '../../src/policies/principal';
import { Role } from '../../src/policies/role.enum';
import { connectTo } from '../utils/test-database';

type ForgedEvent = Omit<AuditEventRecord, 'prevHash' | 'hash'>;
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * The attacker with superuser access rewrites the whole history with valid hashes (the project's
 * own hash function) and deletes every signed checkpoint, so that the live chain alone verifies.
 * What the database still holds — the checkpoint id sequence, audit.checkpoints_exported events
 * citing checkpoints that are gone — must make verify fail (checkpoints_missing) and stop the
 * service from sealing the forgery with a new checkpoint.
 */
describe('A forged history whose checkpoints were deleted (PostgreSQL)', () => {
  let t: TestApp;
  let db: Client;
  let exportSeq: number; // the audit.checkpoints_exported event citing checkpoint 1
  const verify = async () => (await t.as(Role.Auditor).get('/audit/verify').expect(200)).body;
  const checkpointCount = async () =>
    Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM audit_checkpoint')).rows[0].n);
  const asAttacker = async (work: () => Promise<unknown>) => {
    await db.query('BEGIN');
    try {
      // The append-only row triggers do not fire for a replica session (docs/audit.md, ADR 0017).
      await db.query('SET LOCAL session_replication_role = replica');
      await work();
      await db.query('COMMIT');
    } catch (e) {
      await db.query('ROLLBACK');
      throw e;
    }
  };

  /**
   * Rewrites the whole chain from seq 1 with valid hashes: `edit` may change or drop (null) each
   * event; the survivors are renumbered gap-free. Every checkpoint row is deleted.
   */
  async function forgeHistory(edit: (event: ForgedEvent) => ForgedEvent | null): Promise<void> {
    const rows = (await db.query('SELECT * FROM audit_event ORDER BY seq')).rows as Record<string, unknown>[];
    const kept = rows
      .map((r) =>
        edit({
          seq: Number(r.seq),
          occurredAt: (r.occurred_at as Date).toISOString(),
          type: r.type as string,
          actor: { type: r.actor_type as 'system', id: r.actor_id as string, name: r.actor_name as string },
          target: r.target_type ? { type: r.target_type as string, id: r.target_id as string } : null,
          purposeCode: r.purpose_code as string | null,
          subjectRef: r.subject_ref as string | null,
          payload: r.payload as Record<string, unknown>,
          requestId: r.request_id as string | null,
        }),
      )
      .filter((e): e is ForgedEvent => e !== null);
    let prevHash = GENESIS_HASH;
    await asAttacker(async () => {
      await db.query('DELETE FROM audit_event');
      for (const [i, e] of kept.entries()) {
        const event = { ...e, seq: i + 1 };
        const hash = chainHash(prevHash, event);
        await db.query(
          `INSERT INTO audit_event (seq, occurred_at, type, actor_type, actor_id, actor_name, target_type,
             target_id, purpose_code, subject_ref, payload, request_id, prev_hash, hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
          [
            event.seq,
            event.occurredAt,
            event.type,
            event.actor.type,
            event.actor.id,
            event.actor.name,
            event.target?.type ?? null,
            event.target?.id ?? null,
            event.purposeCode,
            event.subjectRef,
            event.payload,
            event.requestId,
            prevHash,
            hash,
          ],
        );
        prevHash = hash;
      }
      await db.query('DELETE FROM audit_checkpoint');
    });
  }

  beforeAll(async () => {
    t = await startTestApp();
    db = await connectTo(t.databaseUrl!);
    const audit = t.app.get(AuditService);
    const integrity = t.app.get(AuditIntegrityService);
    for (let n = 0; n < 10; n++)
      await audit.append({ type: 'test.seed', actor: SYSTEM_ACTOR, payload: { n } });
    await integrity.createCheckpoint();
    // An auditor takes the checkpoints out: the trail records that checkpoint 1 existed.
    await t.as(Role.Auditor).get('/audit/checkpoints/export').expect(200);
    const cited = await t.as(Role.Auditor).get('/audit/events?type=audit.checkpoints_exported').expect(200);
    expect(cited.body.items[0].payload).toEqual({ format: 'ndjson', upToId: 1 });
    exportSeq = cited.body.items[0].seq as number;
    for (let n = 10; n < 20; n++)
      await audit.append({ type: 'test.seed', actor: SYSTEM_ACTOR, payload: { n } });
    await integrity.createCheckpoint();
    expect(await verify()).toMatchObject({ ok: true, checkpoints: { checked: 2 } });
    expect(await checkpointCount()).toBe(2);
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('fails verification and refuses to sign over the forgery, on the evidence of the id sequence', async () => {
    const head = (await verify()).head as { seq: number };
    await forgeHistory((e) => (e.seq === 3 ? { ...e, payload: { n: 'rewritten' } } : e));

    const result = await verify();
    // The chain itself is valid to its head (the forgery is consistent)...
    expect(result.head).toMatchObject({ seq: head.seq });
    expect(result.checkedEvents).toBe(head.seq);
    // ...but checkpoints that existed are gone: not trustworthy from seq 1.
    expect(result.ok).toBe(false);
    expect(result.firstBreak).toMatchObject({
      seq: 1,
      reason: 'checkpoints_missing',
      expected: expect.stringContaining('checkpoint id 1'),
      found: 'no checkpoint with id 1 (0 checkpoint(s) held of 2 issued)',
      message: expect.stringContaining('not trustworthy'),
    });

    await expect(t.app.get(AuditIntegrityService).createCheckpoint()).rejects.toThrow(
      /broken at seq 1; not signing it/,
    );
    expect(await checkpointCount()).toBe(0);

    const report = await t.as(Role.Auditor).get('/reports/integrity').buffer(true).expect(200);
    const doc = JSON.parse(report.text) as { verification: Record<string, unknown> };
    expect(doc.verification).toMatchObject({
      valid: false,
      firstInvalidSeq: 1,
      finding: { reason: 'checkpoints_missing', seq: 1 },
    });
  });

  it('still fails when the attacker also resets the id sequence: an export event cites checkpoint 1', async () => {
    await asAttacker(() =>
      db.query(`SELECT setval(pg_get_serial_sequence('audit_checkpoint', 'id'), 1, false)`),
    );
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.firstBreak).toMatchObject({
      seq: 1,
      reason: 'checkpoints_missing',
      expected: `checkpoint id 1, cited by the audit.checkpoints_exported event at seq ${exportSeq}`,
      found: 'no checkpoint with id 1 (0 checkpoint(s) held)',
    });
    await expect(t.app.get(AuditIntegrityService).createCheckpoint()).rejects.toThrow(/not signing it/);
    expect(await checkpointCount()).toBe(0);
  });

  it('still fails when no trace is left in the database: the instance kept its last checkpoint outside', async () => {
    // The thorough attacker also removes the export events from the history (renumbered, rehashed).
    await forgeHistory((e) => (e.type === 'audit.checkpoints_exported' ? null : e));
    const exports = await db.query(`SELECT 1 FROM audit_event WHERE type = 'audit.checkpoints_exported'`);
    expect(exports.rowCount).toBe(0);
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.firstBreak).toMatchObject({
      seq: 1,
      reason: 'checkpoints_missing',
      expected: 'checkpoint id 2, the last one signed here (kept under DATA_DIR)',
      found: 'no checkpoint with id 2 (0 checkpoint(s) held)',
    });
    await expect(t.app.get(AuditIntegrityService).createCheckpoint()).rejects.toThrow(/not signing it/);
    expect(await checkpointCount()).toBe(0);
  });
});
