import { Client } from 'pg';
import { stringify } from 'yaml';
import { Role } from '../../src/policies/role.enum';
import { crmRegisterDocument } from '../factories/inventory.factory';
import { purposeInput } from '../factories/purpose.factory';
import { startTestApp, TestApp } from '../utils/test-app';
import { connectTo } from '../utils/test-database';

/**
 * Issue 11, hostile input that once crashed the process or answered dishonestly: YAML bombs on the
 * register import, prototype keys in bodies, the streamed consent import past its limit, a register
 * without `systems`. Each refusal must change nothing: register revision and audit head unchanged.
 */
describe('Input hardening (issue 11)', () => {
  let t: TestApp;
  let db: Client;
  const dpo = () => t.as(Role.Dpo);

  /** What a refused request must leave unchanged. */
  async function writeState() {
    const revision = await db.query<{ revision: string }>(
      'SELECT revision FROM register_revision WHERE id = 1',
    );
    const head = await db.query<{ seq: string; hash: string }>(
      'SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1',
    );
    const consents = await db.query<{ n: string }>('SELECT count(*) AS n FROM consent_event');
    return { revision: revision.rows[0]?.revision, head: head.rows[0], consents: consents.rows[0].n };
  }

  const yamlImport = (text: string, contentType = 'application/yaml') =>
    dpo().post('/register/import').query({ dryRun: 'false' }).set('Content-Type', contentType).send(text);

  beforeAll(async () => {
    t = await startTestApp();
    db = await connectTo(t.databaseUrl!);
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code: 'marketing.newsletter' }))
      .expect(201);
    await dpo().post('/purposes/marketing.newsletter/activate').expect(200);
    await t.authoriseApplication(['marketing.newsletter']);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  describe('YAML register documents are bounded before the parser sees them', () => {
    const deepFlow = (n: number) => `format: x\npurposes: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\n`;
    const deepBlock = (n: number) =>
      `${Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} 1\n`;

    it.each(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'])(
      'refuses a 10,000-deep mapping sent as %s with 400 REGISTER_MALFORMED (the process stays up)',
      async (contentType) => {
        const before = await writeState();
        const res = await yamlImport(deepFlow(10_000), contentType).expect(400);
        expect(res.body).toMatchObject({ statusCode: 400, error: 'REGISTER_MALFORMED' });
        expect(res.body.message).toMatch(/nested deeper than 64 levels/);
        await t.http().get('/health').expect(200);
        expect(await writeState()).toEqual(before);
      },
    );

    it('refuses a deep block mapping (by indentation) and a deep sequence of dashes', async () => {
      for (const text of [deepBlock(200), `${'- '.repeat(5_000)}x\n`]) {
        const res = await yamlImport(text).expect(400);
        expect(res.body.error).toBe('REGISTER_MALFORMED');
      }
    });

    it('answers an alias bomb with 400 REGISTER_MALFORMED, not 500', async () => {
      const before = await writeState();
      const bomb = `a: &a x\nb: [${Array(101).fill('*a').join(', ')}]\n`;
      const res = await yamlImport(bomb).expect(400);
      expect(res.body).toMatchObject({ error: 'REGISTER_MALFORMED' });
      expect(res.body.message).toMatch(/more than 100 aliases/);
      expect(await writeState()).toEqual(before);
    });

    it('answers an alias expansion past the parser limit with 400, not 500 (few aliases, many nodes)', async () => {
      // 10 levels of 9 aliases each: few aliases in the text, 9^10 nodes once expanded.
      const lines = ['l0: &l0 [x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i <= 10; i++)
        lines.push(
          `l${i}: &l${i} [${Array(9)
            .fill(`*l${i - 1}`)
            .join(', ')}]`,
        );
      const res = await yamlImport(`${lines.join('\n')}\n`).expect(400);
      expect(res.body.error).toBe('REGISTER_MALFORMED');
      expect(JSON.stringify(res.body.details)).toMatch(/alias/i);
    });

    it('refuses a node that contains itself (a: &x [*x]) with 400, instead of walking it forever', async () => {
      const before = await writeState();
      const res = await yamlImport('format: &x [*x]\npurposes: []\nsystems: []\n').expect(400);
      expect(res.body).toMatchObject({ error: 'REGISTER_MALFORMED', details: [{ path: 'format[0]' }] });
      await t.http().get('/health').expect(200);
      expect(await writeState()).toEqual(before);
    });

    it('refuses custom and YAML 1.1 tags and duplicate keys as REGISTER_MALFORMED', async () => {
      for (const text of [
        'format: !custom x\npurposes: []\nsystems: []\n',
        'format: !!binary aGVsbG8=\npurposes: []\nsystems: []\n',
        'format: a\nformat: b\npurposes: []\nsystems: []\n',
      ]) {
        const res = await yamlImport(text).expect(400);
        expect(res.body.error).toBe('REGISTER_MALFORMED');
      }
    });

    it('still imports an ordinary YAML register (dry run)', async () => {
      const res = await dpo()
        .post('/register/import')
        .query({ dryRun: 'true' })
        .set('Content-Type', 'application/yaml')
        .send(stringify(crmRegisterDocument()))
        .expect(200);
      expect(res.body.dryRun).toBe(true);
    });
  });

  describe('prototype keys are refused, naming the property, at any depth', () => {
    it.each([
      ['__proto__ at the top', '{"code":"p.x","name":"x","__proto__":{"admin":true}}', '__proto__'],
      [
        'constructor nested',
        '{"code":"p.x","name":"x","legalBasis":{"constructor":1}}',
        'legalBasis.constructor',
      ],
      [
        'prototype in a list',
        '{"code":"p.x","name":"x","dataCategories":[{"prototype":1}]}',
        'dataCategories[0].prototype',
      ],
    ])('POST /purposes with %s → 400 VALIDATION_FAILED', async (_name, raw, path) => {
      const before = await writeState();
      const res = await dpo().post('/purposes').set('Content-Type', 'application/json').send(raw).expect(400);
      expect(res.body).toMatchObject({ error: 'VALIDATION_FAILED', message: expect.stringContaining(path) });
      expect(res.body.details[0].property).toBe(path);
      expect(await writeState()).toEqual(before);
    });

    it('in a JSON register document → 400 VALIDATION_FAILED', async () => {
      const raw = JSON.stringify(crmRegisterDocument()).replace('{"code"', '{"__proto__":{"x":1},"code"');
      const res = await dpo()
        .post('/register/import')
        .set('Content-Type', 'application/json')
        .send(raw)
        .expect(400);
      expect(res.body.error).toBe('VALIDATION_FAILED');
      expect(res.body.message).toMatch(/__proto__/);
    });

    it('in a YAML register document → 400 REGISTER_MALFORMED naming the path', async () => {
      const before = await writeState();
      const doc = crmRegisterDocument() as { systems: Record<string, unknown>[] };
      const text = stringify(doc).replace(/^systems:\n {2}- /m, 'systems:\n  - constructor: 1\n    ');
      expect(text).toContain('constructor: 1');
      const res = await yamlImport(text).expect(400);
      expect(res.body).toMatchObject({ error: 'REGISTER_MALFORMED' });
      expect(res.body.details[0].path).toBe('systems[0].constructor');
      expect(await writeState()).toEqual(before);
    });

    it('in an NDJSON consent line → 422 CONSENT_IMPORT_REJECTED naming the line, nothing written', async () => {
      const before = await writeState();
      const ok = { subjectId: 's-1', purpose: 'marketing.newsletter', status: 'granted', source: 'shop' };
      const body = `${JSON.stringify(ok)}\n{"subjectId":"s-2","purpose":"marketing.newsletter","status":"granted","source":"shop","__proto__":{"x":1}}\n`;
      const res = await t
        .as(Role.Application)
        .post('/consents/import')
        .set('Content-Type', 'application/x-ndjson')
        .send(body);
      expect(res.status).toBe(422);
      expect(res.body.details.errors).toEqual([
        { line: 2, problems: [expect.stringContaining('__proto__')] },
      ]);
      expect(await writeState()).toEqual(before);
    });
  });

  it('a register document without systems says what is wrong with it', async () => {
    const { systems: _systems, ...doc } = crmRegisterDocument();
    const res = await dpo()
      .post('/register/import')
      .set('Content-Type', 'application/json')
      .send(doc)
      .expect(422);
    expect(res.body.error).toBe('REGISTER_INVALID');
    const messages = (res.body.details as { path: string; message: string }[]).map((d) => d.message);
    expect(messages).toEqual([expect.stringMatching(/^systems must be an array/)]);
    expect(JSON.stringify(res.body)).not.toMatch(/no more than/);
  });

  it('a streamed consent import past 50 MB answers 413 CONSENT_IMPORT_TOO_LARGE (not a cut connection), nothing written', async () => {
    const before = await writeState();
    const row = JSON.stringify({
      subjectId: 'bulk',
      purpose: 'marketing.newsletter',
      status: 'granted',
      source: 'shop',
      proof: { text: 'x'.repeat(7000) },
    });
    // Valid lines far past the byte limit (few rows: the byte limit, not the row limit, is hit).
    const body = Buffer.from(`${`${row}\n`.repeat(Math.ceil((50 * 1024 * 1024 + 1) / (row.length + 1)))}`);
    const res = await t
      .as(Role.Application)
      .post('/consents/import')
      .set('Content-Type', 'application/octet-stream')
      .send(body);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({
      error: 'CONSENT_IMPORT_TOO_LARGE',
      details: { limit: 50 * 1024 * 1024 },
    });
    expect(await writeState()).toEqual(before);
  });
});
