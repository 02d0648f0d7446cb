import { execFile } from 'node:child_process';
import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseCsv } from 'csv-parse/sync';
import { AuditService } from '../../src/modules/audit/audit.service';
import {
  AuditCheckpointRecord,
  AuditIntegrityService,
  CHECKPOINT_EXPORT_BATCH,
} from '../../src/modules/audit/audit-integrity.service';
import { AuditSigner } from '../../src/modules/audit/audit-signer';
import { canonicalJson } from '../../src/modules/audit/canonical-json';
import { SYSTEM_ACTOR } from '../../src/policies/principal';
import { Role } from '../../src/policies/role.enum';
import { appendConcurrentEvents, appendSubjectEvents } from '../utils/audit-fixture';
import { startForSuite } from '../utils/suite-fixture';
import { connectTo } from '../utils/test-database';
import { startTestApp } from '../utils/test-app';

const VERIFY_SCRIPT = join(__dirname, '..', '..', 'docs', 'verify-audit-export.mjs');
const run = promisify(execFile);

/** Runs the standalone verifier; resolves with its exit code and output (never throws on exit 1). */
async function verifyWithScript(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [VERIFY_SCRIPT, ...args]);
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

/**
 * The audit trail's signed checkpoints and its NDJSON and CSV exports, read back by the standalone
 * verifier (docs/verify-audit-export.mjs). The chain, search and filters: audit.e2e-spec.ts.
 */
describe('Audit trail API (PostgreSQL)', () => {
  const t = startForSuite(() => startTestApp());
  let audit: AuditService;
  const auditor = () => t.as(Role.Auditor);
  const work = mkdtempSync(join(tmpdir(), 'finalite-audit-'));

  beforeAll(async () => {
    audit = t.app.get(AuditService);
    // The trail audit.e2e-spec.ts builds first: 120 concurrent events, and a subject's decisions.
    await appendConcurrentEvents(audit);
    await appendSubjectEvents(audit, 'customer-4242@example.org');
  });
  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
  });

  it('publishes the key, signs checkpoints that verify with it, and lists them', async () => {
    const key = await t.as(Role.Auditor).get('/audit/public-key').expect(200);
    expect(key.body).toMatchObject({ algorithm: 'Ed25519', keyId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const integrity = t.app.get(AuditIntegrityService);
    const checkpoint = await integrity.createCheckpoint();
    expect(checkpoint).not.toBeNull();
    expect(await integrity.createCheckpoint()).toEqual(checkpoint); // head unchanged: no duplicate
    await audit.append({ type: 'test.after-checkpoint', actor: SYSTEM_ACTOR });
    const second = await integrity.createCheckpoint();
    expect(second!.headSeq).toBe(checkpoint!.headSeq + 1);

    const list = await auditor().get('/audit/checkpoints').query({ limit: 1 }).expect(200);
    expect(list.body.items).toEqual([second]);
    const older = await auditor()
      .get('/audit/checkpoints')
      .query({ cursor: list.body.nextCursor })
      .expect(200);
    expect(older.body.items).toEqual([checkpoint]);
    const message = canonicalJson({
      headHash: second!.headHash,
      headSeq: second!.headSeq,
      signedAt: second!.signedAt,
    });
    expect(
      verifySignature(
        null,
        Buffer.from(message),
        createPublicKey(key.body.publicKeyPem),
        Buffer.from(second!.signature, 'base64'),
      ),
    ).toBe(true);
    const verified = await auditor().get('/audit/verify').expect(200);
    expect(verified.body.checkpoints).toMatchObject({ checked: 2, unverifiable: 0, latest: second });
    const ranged = await auditor()
      .get('/audit/verify')
      .query({ fromSeq: 10, toSeq: checkpoint!.headSeq })
      .expect(200);
    expect(ranged.body).toMatchObject({ ok: true, fromSeq: 10, toSeq: checkpoint!.headSeq });
    expect(ranged.body.checkedEvents).toBe(checkpoint!.headSeq - 9);
  });

  it('exports NDJSON that the standalone script verifies, and records the export', async () => {
    const res = await auditor().get('/audit/export').query({ format: 'ndjson' }).buffer(true).expect(200);
    expect(res.headers['content-type']).toMatch(/application\/x-ndjson/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="audit-.*\.ndjson"/);
    const text = res.text ?? res.body.toString();
    const lines = text
      .trim()
      .split('\n')
      .map((l: string) => JSON.parse(l));
    const last = lines[lines.length - 1];
    expect(last).toMatchObject({ type: 'audit.exported', payload: { format: 'ndjson' } });
    expect(last.actor.name).toMatch(/auditor/);
    expect(lines.map((l: { seq: number }) => l.seq)).toEqual(
      Array.from({ length: last.seq }, (_, i) => i + 1),
    );

    const exportFile = join(work, 'export.ndjson');
    writeFileSync(exportFile, text);
    const checkpoints = await auditor().get('/audit/checkpoints').expect(200);
    const key = await t.as(Role.Auditor).get('/audit/public-key').expect(200);
    writeFileSync(join(work, 'checkpoints.json'), JSON.stringify(checkpoints.body));
    writeFileSync(join(work, 'public-key.pem'), key.body.publicKeyPem);
    const ok = await verifyWithScript([
      exportFile,
      '--checkpoints',
      join(work, 'checkpoints.json'),
      '--public-key',
      join(work, 'public-key.pem'),
    ]);
    expect(ok.out).toMatch(/^OK/m);
    expect(ok.code).toBe(0);

    // One changed byte in one payload, and the script names that seq.
    const tampered = text.replace('"i":7,', '"i":8,');
    expect(tampered).not.toBe(text);
    const seqOfSeven = lines.find((l: { payload: { i?: number } }) => l.payload.i === 7).seq;
    writeFileSync(join(work, 'tampered.ndjson'), tampered);
    const bad = await verifyWithScript([join(work, 'tampered.ndjson')]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`BROKEN at seq ${seqOfSeven}`);

    const recorded = await auditor()
      .get('/audit/events')
      .query({ type: 'audit.exported', limit: 1 })
      .expect(200);
    expect(recorded.body.items[0].seq).toBe(last.seq);
  });

  it('exports CSV with the export recorded, the subject filter hashed in that record', async () => {
    const res = await auditor()
      .get('/audit/export')
      .query({ format: 'csv', subjectId: 'customer-4242@example.org' })
      .buffer(true)
      .expect(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    const rows = parseCsv<Record<string, string>>(res.text, { columns: true });
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      type: 'access.decision',
      subject_ref: audit.subjectRef('customer-4242@example.org'),
    });
    expect(JSON.parse(rows[0].payload)).toEqual({});
    const recorded = await auditor()
      .get('/audit/events')
      .query({ type: 'audit.exported', limit: 1 })
      .expect(200);
    expect(recorded.body.items[0].payload).toEqual({
      format: 'csv',
      filters: { subjectRef: audit.subjectRef('customer-4242@example.org') },
    });
    expect(JSON.stringify(recorded.body.items[0])).not.toContain('customer-4242');
  });

  it('exports every checkpoint as NDJSON beyond one page and one batch, recorded, and the script reads it', async () => {
    // More checkpoints than a page of the list (500) and a batch of the export: signed here with
    // the instance's own key (generated under DATA_DIR), sealing existing events.
    const signer = AuditSigner.fromPrivateKey(
      readFileSync(join(t.dataDir, 'secrets', 'audit-signing-key'), 'utf8'),
    );
    const db = await connectTo(t.databaseUrl!);
    try {
      const events = (
        await db.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_event ORDER BY seq')
      ).rows;
      const signedAt = new Date().toISOString();
      const rows = Array.from({ length: CHECKPOINT_EXPORT_BATCH + 150 }, (_, i) => {
        const e = events[i % events.length];
        const content = { headSeq: Number(e.seq), headHash: e.hash, signedAt };
        return { ...content, keyId: signer.keyId, signature: signer.sign(content) };
      });
      await db.query(
        `INSERT INTO audit_checkpoint (head_seq, head_hash, signed_at, key_id, signature)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[], $5::text[])`,
        [
          rows.map((r) => r.headSeq),
          rows.map((r) => r.headHash),
          rows.map((r) => r.signedAt),
          rows.map((r) => r.keyId),
          rows.map((r) => r.signature),
        ],
      );
    } finally {
      await db.end();
    }

    // The list needs several pages...
    const listed: AuditCheckpointRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await auditor()
        .get('/audit/checkpoints')
        .query({ limit: 500, ...(cursor ? { cursor } : {}) })
        .expect(200);
      expect(page.body.items.length).toBeLessThanOrEqual(500);
      listed.push(...(page.body.items as AuditCheckpointRecord[]));
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    expect(listed.length).toBeGreaterThan(CHECKPOINT_EXPORT_BATCH + 150);

    // ...the export streams all of them at once, oldest first, the same records.
    const res = await t.as(Role.Dpo).get('/audit/checkpoints/export').buffer(true).expect(200);
    expect(res.headers['content-type']).toMatch(/application\/x-ndjson/);
    const maxId = Math.max(...listed.map((c) => c.id));
    expect(res.headers['content-disposition']).toMatch(
      new RegExp(`attachment; filename="audit-checkpoints-.*-to-id-${maxId}\\.ndjson"`),
    );
    const text: string = res.text ?? res.body.toString();
    const exported = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditCheckpointRecord);
    expect(exported).toEqual([...listed].sort((a, b) => a.id - b.id));

    const recorded = await auditor()
      .get('/audit/events')
      .query({ type: 'audit.checkpoints_exported', limit: 1 })
      .expect(200);
    expect(recorded.body.items[0]).toMatchObject({
      actor: { name: expect.stringMatching(/dpo/) },
      target: { type: 'audit_checkpoints', id: 'ndjson' },
      payload: { format: 'ndjson', upToId: maxId },
    });

    // The standalone script takes the NDJSON as it comes: every checkpoint is compared.
    const events = await auditor().get('/audit/export').buffer(true).expect(200);
    writeFileSync(join(work, 'all.ndjson'), events.text ?? events.body.toString());
    writeFileSync(join(work, 'checkpoints.ndjson'), text);
    const key = await auditor().get('/audit/public-key').expect(200);
    writeFileSync(join(work, 'key.json'), JSON.stringify(key.body));
    const ok = await verifyWithScript([
      join(work, 'all.ndjson'),
      '--checkpoints',
      join(work, 'checkpoints.ndjson'),
      '--public-key',
      join(work, 'key.json'),
    ]);
    expect(ok.out).toContain(`${exported.length} checkpoint(s) matched`);
    expect(ok.code).toBe(0);

    await t.as(Role.Application).get('/audit/checkpoints/export').expect(403);
    await t.http().get('/audit/checkpoints/export').expect(401);
  });
});
