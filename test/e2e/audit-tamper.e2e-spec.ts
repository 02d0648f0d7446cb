import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from 'pg';
import { chainHash } from '../../src/modules/audit/audit-hash';
import {
  AuditIntegrityService,
  AuditCheckpointRecord,
} from '../../src/modules/audit/audit-integrity.service';
import { AuditService } from '../../src/modules/audit/audit.service';
import { SYSTEM_ACTOR } from '../../src/policies/principal';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

const VERIFY_SCRIPT = join(__dirname, '..', '..', 'docs', 'verify-audit-export.mjs');

/** Runs the standalone verifier; resolves with its exit code and output (never throws on exit 1). */
async function runScript(args: string[]): Promise<{ code: number; out: string }> {
  return promisify(execFile)(process.execPath, [VERIFY_SCRIPT, ...args]).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );
}

/**
 * Tamper suite: a superuser connection bypasses the append-only triggers (session_replication_role
 * = replica, transaction-scoped) and changes the trail the way an attacker with database access
 * would; GET /audit/verify must name the first bad sequence each time. The trail is restored
 * after each case.
 */
describe('Audit trail tamper evidence (PostgreSQL)', () => {
  let t: TestApp;
  let db: Client;
  let snapshot: unknown;
  let checkpointSnapshot: unknown;
  let k: number; // a sequence in the middle of the chain, covered by the first checkpoint
  let first: AuditCheckpointRecord;
  let second: AuditCheckpointRecord;
  const work = mkdtempSync(join(tmpdir(), 'finalite-tamper-'));

  const verify = async () => (await t.as(Role.Auditor).get('/audit/verify').expect(200)).body;
  const asAttacker = async (work: (c: Client) => Promise<unknown>) => {
    await db.query('BEGIN');
    try {
      await db.query('SET LOCAL session_replication_role = replica');
      await work(db);
      await db.query('COMMIT');
    } catch (e) {
      await db.query('ROLLBACK');
      throw e;
    }
  };
  const row = async (seq: number) =>
    (await db.query(`SELECT * FROM audit_event WHERE seq = $1`, [seq])).rows[0] as Record<string, unknown>;

  beforeAll(async () => {
    t = await startTestApp();
    db = await connectTo(t.databaseUrl!);
    const audit = t.app.get(AuditService);
    const integrity = t.app.get(AuditIntegrityService);
    const seeded = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        audit.append({ type: 'test.seed', actor: SYSTEM_ACTOR, payload: { n } }),
      ),
    );
    k = Math.min(...seeded.map((r) => r.seq)) + 10;
    first = (await integrity.createCheckpoint())!;
    for (let n = 40; n < 50; n++)
      await audit.append({ type: 'test.seed', actor: SYSTEM_ACTOR, payload: { n } });
    second = (await integrity.createCheckpoint())!;
    snapshot = (await db.query(`SELECT jsonb_agg(e ORDER BY seq) AS rows FROM audit_event e`)).rows[0].rows;
    checkpointSnapshot = (await db.query(`SELECT jsonb_agg(c) AS rows FROM audit_checkpoint c`)).rows[0].rows;
  });

  afterEach(async () => {
    await asAttacker(async (c) => {
      await c.query('DELETE FROM audit_event');
      await c.query(
        `INSERT INTO audit_event SELECT * FROM jsonb_populate_recordset(NULL::audit_event, $1::jsonb)`,
        [JSON.stringify(snapshot)],
      );
      await c.query('DELETE FROM audit_checkpoint');
      await c.query(
        `INSERT INTO audit_checkpoint OVERRIDING SYSTEM VALUE
         SELECT * FROM jsonb_populate_recordset(NULL::audit_checkpoint, $1::jsonb)`,
        [JSON.stringify(checkpointSnapshot)],
      );
      // A case that inserted a checkpoint advanced the id sequence: rewind it too, or the ids it
      // issued beyond the restored rows would read as removed checkpoints (checkpoints_missing).
      await c.query(
        `SELECT setval(pg_get_serial_sequence('audit_checkpoint', 'id'), max(id)) FROM audit_checkpoint`,
      );
    });
    expect(await verify()).toMatchObject({ ok: true, checkpoints: { checked: 2 } });
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('is green on the clean chain, with both checkpoints checked', async () => {
    const result = await verify();
    expect(result).toMatchObject({
      ok: true,
      firstBreak: null,
      head: { seq: second.headSeq, hash: second.headHash },
    });
    expect(result.checkpoints).toMatchObject({ checked: 2, unverifiable: 0 });
  });

  it('catches an edited payload at its seq', async () => {
    await asAttacker((c) => c.query(`UPDATE audit_event SET payload = '{"n": 999}' WHERE seq = $1`, [k]));
    expect((await verify()).firstBreak).toMatchObject({ seq: k, reason: 'hash_mismatch' });
  });

  it('catches a deleted row at its seq', async () => {
    await asAttacker((c) => c.query(`DELETE FROM audit_event WHERE seq = $1`, [k]));
    expect((await verify()).firstBreak).toMatchObject({
      seq: k,
      reason: 'missing_event',
      expected: `event seq ${k}`,
      found: `event seq ${k + 1}`,
    });
  });

  it('catches two reordered rows at the first of them', async () => {
    await asAttacker(async (c) => {
      await c.query(`UPDATE audit_event SET seq = 999999 WHERE seq = $1`, [k]);
      await c.query(`UPDATE audit_event SET seq = $1 WHERE seq = $2`, [k, k + 1]);
      await c.query(`UPDATE audit_event SET seq = $1 WHERE seq = 999999`, [k + 1]);
    });
    expect((await verify()).firstBreak).toMatchObject({ seq: k, reason: 'prev_hash_mismatch' });
  });

  it('catches a forged row inserted mid-chain, even one correctly chained to its predecessor', async () => {
    const before = await row(k);
    const forged = {
      seq: k + 1,
      occurredAt: new Date().toISOString(),
      type: 'purpose.deleted',
      actor: SYSTEM_ACTOR,
      target: null,
      purposeCode: null,
      subjectRef: null,
      payload: { forged: true },
      requestId: null,
    };
    const hash = chainHash(before.hash as string, forged);
    await asAttacker(async (c) => {
      await c.query(`UPDATE audit_event SET seq = seq + 1000000 WHERE seq > $1`, [k]);
      await c.query(`UPDATE audit_event SET seq = seq - 999999 WHERE seq > 1000000`);
      await c.query(
        `INSERT INTO audit_event (seq, occurred_at, type, actor_type, actor_id, actor_name, payload, prev_hash, hash)
         VALUES ($1, $2, $3, 'system', $4, $5, $6, $7, $8)`,
        [
          k + 1,
          forged.occurredAt,
          forged.type,
          SYSTEM_ACTOR.id,
          SYSTEM_ACTOR.name,
          forged.payload,
          before.hash,
          hash,
        ],
      );
    });
    // The forged link itself is consistent; the next one no longer points at its predecessor.
    expect((await verify()).firstBreak).toMatchObject({ seq: k + 2, reason: 'prev_hash_mismatch' });
  });

  it('catches a history rewritten consistently (every hash recomputed) against the signed checkpoint', async () => {
    const rows = (await db.query(`SELECT * FROM audit_event WHERE seq >= $1 ORDER BY seq`, [k])).rows;
    let prevHash = rows[0].prev_hash as string;
    await asAttacker(async (c) => {
      for (const r of rows) {
        const event = {
          seq: Number(r.seq),
          occurredAt: (r.occurred_at as Date).toISOString(),
          type: r.type as string,
          actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name },
          target: r.target_type ? { type: r.target_type, id: r.target_id } : null,
          purposeCode: r.purpose_code,
          subjectRef: r.subject_ref,
          payload: Number(r.seq) === k ? { n: 'rewritten' } : r.payload,
          requestId: r.request_id,
        };
        const hash = chainHash(prevHash, event);
        await c.query(`UPDATE audit_event SET payload = $2, prev_hash = $3, hash = $4 WHERE seq = $1`, [
          event.seq,
          event.payload,
          prevHash,
          hash,
        ]);
        prevHash = hash;
      }
    });
    expect((await verify()).firstBreak).toMatchObject({
      seq: first.headSeq,
      reason: 'checkpoint_mismatch',
      expected: first.headHash,
    });
  });

  it('catches a truncated tail against a checkpoint, in the table or held elsewhere', async () => {
    const cutFrom = second.headSeq - 4;
    await asAttacker((c) => c.query(`DELETE FROM audit_event WHERE seq >= $1`, [cutFrom]));
    expect((await verify()).firstBreak).toMatchObject({ seq: cutFrom, reason: 'truncated_tail' });
    // Nothing is chained onto the cut head while a checkpoint proves events are missing: what needs
    // a record fails closed, and the sealed sequence numbers are not reused. A 500, not a 503:
    // retrying cannot help until an operator acts (ADR 0039).
    const refused = await t.as(Role.Dpo).post('/purposes').send(purposeInput()).expect(500);
    expect(refused.body.error).toBe('AUDIT_TRAIL_TRUNCATED');
    const tail = await db.query<{ max: number }>(`SELECT max(seq)::int AS max FROM audit_event`);
    expect(tail.rows[0].max).toBe(cutFrom - 1);

    // The attacker also removes the checkpoints: the live table alone now looks consistent...
    const held = await t.as(Role.Auditor).get('/audit/checkpoints').expect(200);
    const key = await t.as(Role.Auditor).get('/audit/public-key').expect(200);
    await asAttacker((c) => c.query(`DELETE FROM audit_checkpoint`));
    // ...except that the id sequence still shows checkpoints were issued (checkpoints_missing)...
    expect((await verify()).firstBreak).toMatchObject({ seq: 1, reason: 'checkpoints_missing' });
    // ...and an export checked against the checkpoints an auditor kept is not consistent either.
    const exported = await t.as(Role.Auditor).get('/audit/export').buffer(true).expect(200);
    writeFileSync(join(work, 'export.ndjson'), exported.text);
    writeFileSync(join(work, 'checkpoints.json'), JSON.stringify(held.body));
    writeFileSync(join(work, 'key.json'), JSON.stringify(key.body));
    const result = await promisify(execFile)(process.execPath, [
      VERIFY_SCRIPT,
      join(work, 'export.ndjson'),
      '--checkpoints',
      join(work, 'checkpoints.json'),
      '--public-key',
      join(work, 'key.json'),
    ]).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );
    expect(result.code).toBe(1);
    expect(result.out).toContain(`BROKEN at seq ${cutFrom + 1}: truncated`);
  });

  it('fails a cut tail against a checkpoint signed after the last kept event, unless the export is declared partial', async () => {
    // Checkpoints first (the NDJSON export of all of them), then the trail: a complete export ends
    // after every checkpoint, so the script fails any checkpoint beyond it.
    const held = await t.as(Role.Auditor).get('/audit/checkpoints/export').buffer(true).expect(200);
    const key = await t.as(Role.Auditor).get('/audit/public-key').expect(200);
    const full = await t.as(Role.Auditor).get('/audit/export').buffer(true).expect(200);
    const checkpoints = join(work, 'held.ndjson');
    writeFileSync(checkpoints, held.text ?? held.body.toString());
    writeFileSync(join(work, 'key.json'), JSON.stringify(key.body));
    const withKey = ['--checkpoints', checkpoints, '--public-key', join(work, 'key.json')];
    const fullText: string = full.text ?? full.body.toString();
    writeFileSync(join(work, 'full.ndjson'), fullText);
    const clean = await runScript([join(work, 'full.ndjson'), ...withKey]);
    expect(clean.out).toContain('2 checkpoint(s) matched');
    expect(clean.code).toBe(0);

    // The file cut two events after the first checkpoint: the last kept event is older than the
    // second checkpoint (the signing-time rule alone let this pass with a note).
    const keepTo = first.headSeq + 2;
    const lines = fullText.trim().split('\n');
    const kept = lines.filter((l) => (JSON.parse(l) as { seq: number }).seq <= keepTo);
    expect((JSON.parse(kept[kept.length - 1]) as { occurredAt: string }).occurredAt < second.signedAt).toBe(
      true,
    );
    writeFileSync(join(work, 'cut.ndjson'), `${kept.join('\n')}\n`);
    const cut = await runScript([join(work, 'cut.ndjson'), ...withKey]);
    expect(cut.code).toBe(1);
    expect(cut.out).toContain(`BROKEN at seq ${keepTo + 1}: truncated: checkpoint ${second.id}`);
    // Declared as a range ending there, the same file verifies (the later checkpoint is outside it)...
    const asRange = await runScript([join(work, 'cut.ndjson'), ...withKey, '--to-seq', String(keepTo)]);
    expect(asRange.out).toMatch(/note: 1 checkpoint\(s\) beyond seq \d+ not checked/);
    expect(asRange.out).toContain('1 checkpoint(s) matched');
    expect(asRange.code).toBe(0);
    // ...but not if the range was meant to reach the second checkpoint.
    const short = await runScript([join(work, 'cut.ndjson'), ...withKey, '--to-seq', String(second.headSeq)]);
    expect(short.code).toBe(1);
    expect(short.out).toContain(`BROKEN at seq ${keepTo + 1}: truncated: the export ends before --to-seq`);
    // The explicit opt-out for checkpoints fetched later falls back to signing times (weaker).
    const lenient = await runScript([join(work, 'cut.ndjson'), ...withKey, '--allow-newer-checkpoints']);
    expect(lenient.code).toBe(0);
    expect(lenient.out).toMatch(/note: 1 checkpoint\(s\) beyond/);

    // A range export from the API is named after its last seq, which is what --to-seq takes.
    const range = await t
      .as(Role.Auditor)
      .get('/audit/export')
      .query({ toSeq: keepTo })
      .buffer(true)
      .expect(200);
    expect(range.headers['content-disposition']).toMatch(new RegExp(`-to-seq-${keepTo}\\.ndjson"$`));
    writeFileSync(join(work, 'range.ndjson'), range.text ?? range.body.toString());
    expect((await runScript([join(work, 'range.ndjson'), ...withKey])).code).toBe(1);
    const ranged = await runScript([join(work, 'range.ndjson'), ...withKey, '--to-seq', String(keepTo)]);
    expect(ranged.out).toMatch(/^OK/m);
    expect(ranged.code).toBe(0);
    expect((await runScript([join(work, 'range.ndjson'), '--to-seq', '0'])).code).toBe(2);
  });

  it('catches a forged checkpoint signature', async () => {
    await asAttacker((c) =>
      c.query(
        `INSERT INTO audit_checkpoint (head_seq, head_hash, signed_at, key_id, signature) VALUES ($1, $2, now(), $3, $4)`,
        [k, 'f'.repeat(64), first.keyId, randomBytes(64).toString('base64')],
      ),
    );
    expect((await verify()).firstBreak).toMatchObject({ seq: k, reason: 'checkpoint_signature_invalid' });
  });

  it('refuses UPDATE, DELETE, TRUNCATE to everyone, and DROP or ALTER to a non-superuser owner', async () => {
    await expect(db.query(`UPDATE audit_checkpoint SET head_seq = head_seq`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM audit_checkpoint`)).rejects.toThrow(/append-only/);
    await expect(db.query(`TRUNCATE audit_checkpoint`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM audit_event WHERE seq = 1`)).rejects.toThrow(/append-only/);
    // Even a superuser must first switch the guard off deliberately to drop the trail.
    await expect(db.query(`DROP TABLE audit_event`)).rejects.toThrow(/append-only/);

    const role = `fin_audit_owner_${randomBytes(4).toString('hex')}`;
    await db.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER`);
    await db.query(`ALTER TABLE audit_event OWNER TO ${role}`);
    // Like an application role that runs its own migrations: it may create in the schema.
    await db.query(`GRANT CREATE ON SCHEMA public TO ${role}`);
    const url = new URL(t.databaseUrl!);
    url.username = role;
    const owner = await connectTo(url.toString());
    try {
      await expect(owner.query(`DROP TABLE audit_event`)).rejects.toThrow(/append-only/);
      await expect(owner.query(`ALTER TABLE audit_event DISABLE TRIGGER USER`)).rejects.toThrow(
        /append-only/,
      );
      await expect(owner.query(`ALTER TABLE audit_event RENAME TO audit_event_old`)).rejects.toThrow(
        /append-only/,
      );
      await expect(owner.query(`DELETE FROM audit_event`)).rejects.toThrow(/append-only/);
      await expect(owner.query(`TRUNCATE audit_event`)).rejects.toThrow(/append-only/);
      await expect(owner.query(`SET session_replication_role = replica`)).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await owner.end();
      await db.query(`ALTER TABLE audit_event OWNER TO CURRENT_USER`);
      await db.query(`REVOKE CREATE ON SCHEMA public FROM ${role}`);
      await db.query(`DROP ROLE ${role}`);
    }
  });
});
