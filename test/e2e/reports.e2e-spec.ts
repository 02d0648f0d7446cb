import { createHash, verify as verifySignature } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import type { Client } from 'pg';
import type request from 'supertest';
import { AuditIntegrityService } from '../../src/modules/audit/audit-integrity.service';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { binary, pdfText } from '../utils/documents';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

/** Reads any response body as raw bytes (supertest would decode text and drop nothing, but PDFs are binary). */

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const squash = (s: string) => s.replace(/\s+/g, '');

describe('Compliance reports (PostgreSQL)', () => {
  let t: TestApp;
  let db: Client;
  const dpo = () => t.as(Role.Dpo);
  const auditor = () => t.as(Role.Auditor);
  const download = (agent: request.Agent, path: string) => agent.get(path).buffer(true).parse(binary);

  const newsletter = purposeInput({
    code: 'marketing.newsletter',
    name: 'Newsletter mensuelle',
    internationalTransfers: [{ country: 'US', recipient: 'Mailer Inc.' }],
    retention: { duration: 'P1Y6M', trigger: 'last_interaction' },
  });
  const payroll = purposeInput({
    code: 'hr.payroll',
    name: 'Payroll processing',
    legalBasis: 'legal_obligation',
    dataSubjectCategories: ['employees'],
    dataCategories: ['identity', 'financial', 'contact'],
    retention: { duration: 'P5Y', trigger: 'contract_end' },
  });

  beforeAll(async () => {
    t = await startTestApp();
    db = await connectTo(t.databaseUrl!);
    for (const p of [newsletter, payroll]) {
      await dpo().post('/purposes').send(p).expect(201);
      await dpo()
        .post(`/purposes/${p.code as string}/activate`)
        .expect(200);
    }
    // Neither a draft nor a retired purpose belongs in the record of processing.
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code: 'draft.idea', name: 'Draft idea' }))
      .expect(201);
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code: 'old.campaign', name: 'Old campaign' }))
      .expect(201);
    await dpo().post('/purposes/old.campaign/activate').expect(200);
    await dpo().post('/purposes/old.campaign/retire').expect(200);
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  const lastExport = async () =>
    (
      await db.query<{ seq: string; prev_hash: string; actor_id: string; payload: Record<string, unknown> }>(
        `SELECT seq, prev_hash, actor_id, payload FROM audit_event WHERE type = 'report.exported' ORDER BY seq DESC LIMIT 1`,
      )
    ).rows[0];

  it('exports the record of processing as JSON: one entry per active purpose, with every art. 30 field', async () => {
    const res = await download(auditor(), '/reports/ropa').expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="finalite-ropa-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    const doc = JSON.parse((res.body as Buffer).toString('utf8'));

    const active = await db.query<{ code: string }>(
      `SELECT code FROM purpose WHERE status = 'active' ORDER BY code`,
    );
    expect(doc.entries.map((e: { code: string }) => e.code)).toEqual(active.rows.map((r) => r.code));
    expect(doc.purposeCount).toBe(active.rows.length);

    const entry = doc.entries.find((e: { code: string }) => e.code === 'marketing.newsletter');
    expect(entry).toMatchObject({
      name: 'Newsletter mensuelle',
      legalBasis: 'consent',
      legalBasisLabel: 'Consent (art. 6(1)(a))',
      controller: { name: 'ACME SAS', contact: 'dpo@acme.example' },
      dataSubjectCategories: ['customers'],
      dataCategories: ['identity', 'contact'],
      recipients: ['marketing team'],
      internationalTransfers: [{ country: 'US', recipient: 'Mailer Inc.' }],
      retention: {
        duration: 'P1Y6M',
        trigger: 'last_interaction',
        description: '1 year and 6 months from the last interaction',
      },
      securityMeasures: ['encryption at rest'],
      dpiaRequired: false,
    });

    // The document names the chain head it was generated at; its own export record follows it.
    const exported = await lastExport();
    expect(doc.auditChainHead).toEqual({
      seq: Number(exported.seq) - 1,
      hash: exported.prev_hash,
      verified: true,
    });
    expect(exported.payload).toMatchObject({
      report: 'ropa',
      format: 'json',
      lang: 'en',
      sha256: sha256(res.body),
    });
  });

  it('exports the record as CSV that parses back: BOM, one row per purpose × category, ; for French', async () => {
    const expected = await db.query<{ code: string; category: string }>(
      `SELECT code, jsonb_array_elements_text(data_categories) AS category FROM purpose
        WHERE status = 'active' ORDER BY code, category`,
    );

    const fr = await download(auditor(), '/reports/ropa?format=csv&lang=fr').expect(200);
    expect(fr.headers['content-type']).toBe('text/csv; charset=utf-8');
    const bytes = fr.body as Buffer;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse<Record<string, string>>(bytes, { bom: true, delimiter: ';', columns: true });
    expect(rows.map((r) => [r['Code'], r['Catégorie de données']])).toEqual(
      expected.rows.map((r) => [r.code, r.category]),
    );
    const payrollRow = rows.find((r) => r['Code'] === 'hr.payroll')!;
    expect(payrollRow['Finalité']).toBe('Payroll processing');
    expect(payrollRow['Durée de conservation']).toBe('5 ans à compter de la fin du contrat');
    expect(payrollRow['Base légale (art. 6)']).toBe('Obligation légale (art. 6(1)(c))');

    const comma = await download(auditor(), '/reports/ropa?format=csv&lang=fr&sep=comma').expect(200);
    const commaRows = parse(comma.body as Buffer, { bom: true, delimiter: ',' });
    expect(commaRows).toHaveLength(expected.rows.length + 1);

    // The audit record carries the hash of exactly the bytes received.
    const exported = await lastExport();
    expect(exported.payload).toMatchObject({
      report: 'ropa',
      format: 'csv',
      lang: 'fr',
      sha256: sha256(comma.body),
    });
    const auditorId = t.principalIds[Role.Auditor];
    expect(exported.actor_id).toBe(auditorId);
  });

  it('exports the record as a PDF with the purpose names and the audit chain head', async () => {
    const res = await download(auditor(), '/reports/ropa?format=pdf').expect(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const body = res.body as Buffer;
    expect(body.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await pdfText(body);
    const exported = await lastExport();
    expect(text).toContain('Record of processing activities');
    expect(text).toContain('Newsletter mensuelle (marketing.newsletter)');
    expect(text).toContain('Payroll processing (hr.payroll)');
    expect(text).not.toContain('Draft idea');
    expect(text).not.toContain('Old campaign');
    expect(text).toContain('1 year and 6 months from the last interaction');
    expect(squash(text)).toContain(exported.prev_hash);
    expect(text).toContain('Contents');
    expect(exported.payload).toMatchObject({ format: 'pdf', sha256: sha256(body) });
  });

  it('lists a gap, and drops it once the DPO fixes the purpose', async () => {
    const unsafeTransfers = `SELECT code FROM purpose WHERE status = 'active' AND EXISTS (
        SELECT 1 FROM jsonb_array_elements(coalesce(international_transfers, '[]'::jsonb)) t
         WHERE coalesce(t->>'safeguard', '') = '') ORDER BY code`;
    const gapsOf = async () => {
      const res = await download(dpo(), '/reports/gaps').expect(200);
      return JSON.parse((res.body as Buffer).toString('utf8'));
    };

    const before = await gapsOf();
    const transferGaps = (doc: { gaps: { code: string; object: { id: string } }[] }) =>
      doc.gaps.filter((g) => g.code === 'TRANSFER_WITHOUT_SAFEGUARD').map((g) => g.object.id);
    expect(transferGaps(before)).toEqual((await db.query(unsafeTransfers)).rows.map((r) => r.code));
    expect(transferGaps(before)).toEqual(['marketing.newsletter']);
    const gap = before.gaps.find((g: { code: string }) => g.code === 'TRANSFER_WITHOUT_SAFEGUARD');
    expect(gap).toMatchObject({ severity: 'high', link: '/purposes/marketing.newsletter' });
    expect(before.summary.total).toBe(before.gaps.length);
    expect(before.summary.byCode.TRANSFER_WITHOUT_SAFEGUARD).toBe(1);
    // The link leads to the object to fix.
    await dpo().get(gap.link).expect(200);

    const pdf = await pdfText((await download(auditor(), '/reports/gaps?format=pdf').expect(200)).body);
    expect(pdf).toContain('TRANSFER_WITHOUT_SAFEGUARD');
    expect(pdf).toContain('/purposes/marketing.newsletter');

    await dpo()
      .patch('/purposes/marketing.newsletter')
      .send({
        internationalTransfers: [{ country: 'US', recipient: 'Mailer Inc.', safeguard: 'SCC 2021/914' }],
      })
      .expect(200);
    const after = await gapsOf();
    expect((await db.query(unsafeTransfers)).rows).toEqual([]);
    expect(transferGaps(after)).toEqual([]);
    expect(after.summary.byCode.TRANSFER_WITHOUT_SAFEGUARD).toBe(0);
  });

  it('issues an integrity certificate an auditor can re-check offline', async () => {
    await t.app.get(AuditIntegrityService).createCheckpoint();
    const count = Number((await db.query(`SELECT count(*) AS n FROM audit_event`)).rows[0].n);
    const res = await download(auditor(), '/reports/integrity').expect(200);
    const doc = JSON.parse((res.body as Buffer).toString('utf8'));
    expect(doc.verification).toMatchObject({ valid: true, checkedEvents: count, firstInvalidSeq: null });
    const head = (await db.query(`SELECT seq, hash FROM audit_event WHERE seq = $1`, [count])).rows[0];
    expect(doc.verification.head).toEqual({ seq: Number(head.seq), hash: head.hash, verified: true });

    const cp = doc.checkpoint;
    expect(cp).toMatchObject({ algorithm: 'Ed25519' });
    const stored = (
      await db.query(`SELECT head_seq, head_hash FROM audit_checkpoint ORDER BY head_seq DESC LIMIT 1`)
    ).rows[0];
    expect([cp.seq, cp.hash]).toEqual([Number(stored.head_seq), stored.head_hash]);
    expect(JSON.parse(cp.signedMessage)).toMatchObject({ headSeq: cp.seq, headHash: cp.hash });
    expect(
      verifySignature(
        null,
        Buffer.from(cp.signedMessage),
        cp.publicKeyPem,
        Buffer.from(cp.signature, 'base64'),
      ),
    ).toBe(true);

    const pdf = await pdfText(
      (await download(auditor(), '/reports/integrity?format=pdf&lang=fr').expect(200)).body,
    );
    expect(pdf).toContain('Certificat d’intégrité du journal d’audit');
    expect(squash(pdf)).toContain(cp.hash);
    expect(squash(pdf)).toContain(squash(cp.signature));
  });

  it('refuses unsupported formats, bad dates and inverted periods with a 400 that says why', async () => {
    const unsupported = await auditor().get('/reports/gaps?format=csv').expect(400);
    expect(unsupported.body).toMatchObject({
      error: 'REPORT_FORMAT_UNSUPPORTED',
      details: { supported: ['json', 'pdf'] },
    });
    expect((await auditor().get('/reports/ropa?format=xml').expect(400)).body.error).toBe(
      'VALIDATION_FAILED',
    );
    expect((await auditor().get('/reports/gaps?from=yesterday').expect(400)).body.error).toBe(
      'REPORT_PERIOD_INVALID',
    );
    expect((await auditor().get('/reports/gaps?from=2026-02-30').expect(400)).body.error).toBe(
      'REPORT_PERIOD_INVALID',
    );
    const inverted = await auditor().get('/reports/gaps?from=2026-10-03&to=2026-10-01').expect(400);
    expect(inverted.body.message).toContain('after');
    expect((await auditor().get('/reports/ropa?lang=de').expect(400)).body.error).toBe('VALIDATION_FAILED');
  });

  it('records nothing for a refused export, and forbids reports to applications', async () => {
    const before = (await db.query(`SELECT count(*) AS n FROM audit_event WHERE type = 'report.exported'`))
      .rows[0].n;
    for (const report of ['ropa', 'gaps', 'access', 'retention', 'integrity']) {
      await t.as(Role.Application).get(`/reports/${report}`).expect(403);
    }
    await auditor().get('/reports/ropa?format=xml').expect(400);
    const after = (await db.query(`SELECT count(*) AS n FROM audit_event WHERE type = 'report.exported'`))
      .rows[0].n;
    expect(after).toBe(before);
  });
});

describe('Compliance reports (embedded PGlite)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ database: 'pglite' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('exports every report on the single-session embedded database and audits the export', async () => {
    const p = purposeInput({ code: 'embedded.purpose', name: 'Embedded purpose' });
    await t.as(Role.Dpo).post('/purposes').send(p).expect(201);
    await t.as(Role.Dpo).post('/purposes/embedded.purpose/activate').expect(200);
    const pdf = await t
      .as(Role.Auditor)
      .get('/reports/ropa?format=pdf')
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(await pdfText(pdf.body as Buffer)).toContain('Embedded purpose (embedded.purpose)');
    for (const path of ['/reports/gaps', '/reports/access', '/reports/retention', '/reports/integrity']) {
      await t.as(Role.Auditor).get(path).buffer(true).parse(binary).expect(200);
    }
    const events = await t.as(Role.Auditor).get('/audit/events?type=report.exported').expect(200);
    const exported = (
      events.body.items as { type: string; payload: { sha256: string; format: string } }[]
    ).filter((e) => e.type === 'report.exported');
    expect(exported.map((e) => e.payload.sha256)).toContain(sha256(pdf.body as Buffer));
  });
});
