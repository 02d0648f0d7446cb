import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type request from 'supertest';
import { AuditIntegrityService } from '../../src/modules/audit/audit-integrity.service';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { binary, pdfText } from '../utils/documents';
import { queryRows } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

const VERIFY_SCRIPT = join(__dirname, '..', '..', 'docs', 'verify-audit-export.mjs');
const NEWSLETTER = 'marketing.newsletter';

/** Runs the standalone verifier; resolves with its exit code and output (never throws on exit 1). */
async function runScript(args: string[]): Promise<{ code: number; out: string }> {
  return promisify(execFile)(process.execPath, [VERIFY_SCRIPT, ...args]).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );
}

/**
 * After a superuser cuts the newest events below the last signed checkpoint, every route that
 * needs a record names the cut (AUDIT_TRAIL_TRUNCATED, 500: retrying cannot help), the access
 * check still gives no decision, and an auditor can still take out and certify what remains.
 */
describe('Audit routes after a tail cut below a signed checkpoint (PostgreSQL)', () => {
  let t: TestApp;
  let headSeq: number; // the last event left in the table
  let sealedSeq: number; // what the checkpoint sealed
  const work = mkdtempSync(join(tmpdir(), 'finalite-cut-'));
  const auditor = () => t.as(Role.Auditor);
  const download = (agent: request.Agent, path: string) => agent.get(path).buffer(true).parse(binary);
  const tailSeq = async () =>
    (await queryRows<{ max: number }>(t.databaseUrl!, 'SELECT max(seq)::int AS max FROM audit_event'))[0].max;
  const accessCheck = () =>
    t
      .as(Role.Application)
      .post('/access/check')
      .send({ purpose: NEWSLETTER, action: 'read', fields: ['crm.customers.email'] });
  const grant = () =>
    t
      .as(Role.Application)
      .post('/subjects/customer-1/consents')
      .send({ purpose: NEWSLETTER, status: 'granted', source: 'web-shop/signup' });

  beforeAll(async () => {
    t = await startTestApp();
    await t
      .as(Role.Dpo)
      .post('/purposes')
      .send(purposeInput({ code: NEWSLETTER }))
      .expect(201);
    await t.as(Role.Dpo).post(`/purposes/${NEWSLETTER}/activate`).expect(200);
    await t.authoriseApplication([NEWSLETTER]);
    // Both routes work on the intact trail (so what fails below fails because of the cut).
    await accessCheck().expect(200);
    await grant().expect(201);
    sealedSeq = (await t.app.get(AuditIntegrityService).createCheckpoint())!.headSeq;
    headSeq = sealedSeq - 3;
    await queryRows(
      t.databaseUrl!,
      `BEGIN; SET LOCAL session_replication_role = replica;
       DELETE FROM audit_event WHERE seq > ${headSeq}; COMMIT;`,
    );
  });

  afterAll(async () => {
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const expectCut = (body: Record<string, unknown>) =>
    expect(body).toMatchObject({
      statusCode: 500,
      error: 'AUDIT_TRAIL_TRUNCATED',
      message: expect.stringContaining(
        `ends at seq ${headSeq}, before the signed checkpoint at seq ${sealedSeq}`,
      ),
      details: { headSeq, sealedSeq },
    });

  it('refuses the access check with AUDIT_TRAIL_TRUNCATED, never a decision', async () => {
    const res = await accessCheck().expect(500);
    expectCut(res.body);
    expect(res.body.decision).toBeUndefined();
    expect(await tailSeq()).toBe(headSeq);
  });

  it('refuses a consent change with the same error', async () => {
    expectCut((await grant().expect(500)).body);
    expect(await tailSeq()).toBe(headSeq);
  });

  it('exports what remains, unrecorded and marked, and the offline verifier reports the cut', async () => {
    const checkpoints = await download(auditor(), '/audit/checkpoints/export').expect(200);
    expect(checkpoints.headers['content-disposition']).toMatch(
      new RegExp(`-truncated-below-seq-${sealedSeq}\\.ndjson"$`),
    );
    const key = await auditor().get('/audit/public-key').expect(200);
    const exported = await download(auditor(), '/audit/export').expect(200);
    expect(exported.headers['content-disposition']).toMatch(
      new RegExp(`-to-seq-${headSeq}-truncated-below-seq-${sealedSeq}\\.ndjson"$`),
    );
    const lines = (exported.body as Buffer).toString('utf8').trim().split('\n');
    expect(lines).toHaveLength(headSeq);
    expect((JSON.parse(lines[lines.length - 1]) as { seq: number }).seq).toBe(headSeq);
    expect(await tailSeq()).toBe(headSeq); // neither export could be recorded, nor was anything chained

    // Saved under the name the service gave it, the file alone already says it was cut...
    const filename = /filename="([^"]+)"/.exec(exported.headers['content-disposition'])![1];
    writeFileSync(join(work, filename), exported.body as Buffer);
    const alone = await runScript([join(work, filename)]);
    expect(alone.out).toContain(
      `BROKEN at seq ${headSeq + 1}: truncated: exported from a trail cut below a signed checkpoint at seq ${sealedSeq}`,
    );
    expect(alone.code).toBe(1);
    // ...and under any name, checked against the checkpoints, the cut is proven by their signatures.
    writeFileSync(join(work, 'export.ndjson'), exported.body as Buffer);
    writeFileSync(join(work, 'checkpoints.ndjson'), checkpoints.body as Buffer);
    writeFileSync(join(work, 'key.json'), JSON.stringify(key.body));
    const result = await runScript([
      join(work, 'export.ndjson'),
      '--checkpoints',
      join(work, 'checkpoints.ndjson'),
      '--public-key',
      join(work, 'key.json'),
    ]);
    expect(result.out).toContain(`BROKEN at seq ${headSeq + 1}: truncated: checkpoint 1 (signed`);
    expect(result.out).toContain(`covers up to seq ${sealedSeq}`);
    expect(result.code).toBe(1);
  });

  it('certifies the cut in a complete JSON document', async () => {
    const res = await download(auditor(), '/reports/integrity').expect(200);
    const doc = JSON.parse((res.body as Buffer).toString('utf8'));
    expect(doc.truncation).toMatchObject({ lastEventSeq: headSeq, sealedSeq, exportRecorded: false });
    expect(doc.verification).toMatchObject({
      valid: false,
      firstInvalidSeq: headSeq + 1,
      lastCheckpointSeq: sealedSeq,
      finding: {
        reason: 'truncated_tail',
        seq: headSeq + 1,
        expected: expect.stringContaining(`events up to seq ${sealedSeq}`),
        found: `last event seq ${headSeq}`,
      },
    });
    expect(doc.checkpoint).toMatchObject({ seq: sealedSeq });
    expect(await tailSeq()).toBe(headSeq);
  });

  it('certifies the cut in a complete PDF', async () => {
    const res = await download(auditor(), '/reports/integrity?format=pdf').expect(200);
    const body = res.body as Buffer;
    expect(body.subarray(-6).toString('latin1')).toMatch(/%%EOF\s*$/);
    const text = (await pdfText(body)).replace(/\s+/g, ' ');
    expect(text).toContain('Audit trail cut below a signed checkpoint');
    expect(text).toContain('truncated_tail');
    expect(text).toContain('AUDIT_TRAIL_TRUNCATED');
  });

  it('answers any other report with the error before the first byte, not a cut download', async () => {
    const res = await auditor().get('/reports/ropa').expect(500);
    expectCut(res.body);
  });
});
