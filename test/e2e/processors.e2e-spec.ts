import type { Client } from 'pg';
import { Role } from '../../src/policies/role.enum';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

export const MAILER = {
  code: 'mailer',
  name: 'Mailer SAS',
  contact: 'dpo@mailer.example',
  country: 'FR',
  service: 'newsletter sending',
  agreement: { signedOn: '2025-01-15', reference: 'DPA-2025-017', reviewOn: '2099-01-15' },
  processingLocations: [
    { country: 'FR' },
    { country: 'JP' },
    { country: 'US', mechanism: 'standard_contractual_clauses', reference: 'SCC 2021/914 module 2' },
  ],
  subProcessors: [{ name: 'Support Ltd', country: 'IN', service: 'support desk' }],
};

/** The processor register (art. 28): DPO writes, auditor reads, rules on mechanisms, history, audit. */
describe('Processors (PostgreSQL)', () => {
  let t: TestApp;
  let db: Client;
  const dpo = () => t.as(Role.Dpo);

  beforeAll(async () => {
    t = await startTestApp();
    db = await connectTo(t.databaseUrl!);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('a DPO declares a processor; its transfers outside the EEA are derived with their mechanisms', async () => {
    const created = await dpo().post('/processors').send(MAILER).expect(201);
    expect(created.body).toMatchObject({ code: 'mailer', version: 1, agreement: MAILER.agreement });
    expect(created.body.transfers).toEqual([
      // Japan: a full adequacy decision applies without being stated.
      {
        country: 'JP',
        processor: 'mailer',
        subProcessor: null,
        mechanism: 'adequacy_decision',
        reference: 'Commission Implementing Decision (EU) 2019/419',
      },
      {
        country: 'US',
        processor: 'mailer',
        subProcessor: null,
        mechanism: 'standard_contractual_clauses',
        reference: 'SCC 2021/914 module 2',
      },
      // India: no decision, nothing declared: no mechanism (a gap in the gaps report).
      { country: 'IN', processor: 'mailer', subProcessor: 'Support Ltd', mechanism: null, reference: null },
    ]);
    await dpo().post('/processors').send(MAILER).expect(409);
  });

  it('the auditor reads; an application and an admin may not; the auditor cannot write', async () => {
    const list = await t.as(Role.Auditor).get('/processors').expect(200);
    expect(list.body.items.map((p: { code: string }) => p.code)).toEqual(['mailer']);
    await t.as(Role.Auditor).get('/processors/mailer').expect(200);
    await t
      .as(Role.Auditor)
      .post('/processors')
      .send({ ...MAILER, code: 'other' })
      .expect(403);
    await t.as(Role.Application).get('/processors').expect(403);
    await t.as(Role.Admin).get('/processors/mailer').expect(403);
    await dpo().get('/processors/nobody').expect(404);
  });

  it('refuses mechanisms the country lists contradict, and malformed input, writing nothing', async () => {
    const refused = async (body: Record<string, unknown>, status: number, code: string) => {
      const res = await dpo().post('/processors').send(body).expect(status);
      expect(res.body.error).toBe(code);
      return res.body;
    };
    const eea = await refused(
      {
        ...MAILER,
        code: 'x1',
        processingLocations: [{ country: 'DE', mechanism: 'binding_corporate_rules', reference: 'BCR' }],
      },
      422,
      'PROCESSOR_RULE_VIOLATED',
    );
    expect(eea.details).toEqual([
      {
        property: 'processingLocations[0].mechanism',
        message: 'DE is in the EEA: no transfer mechanism applies there',
      },
    ]);
    await refused(
      {
        ...MAILER,
        code: 'x2',
        subProcessors: [{ name: 'S', country: 'IN', mechanism: 'adequacy_decision' }],
      },
      422,
      'PROCESSOR_RULE_VIOLATED',
    );
    await refused(
      {
        ...MAILER,
        code: 'x3',
        processingLocations: [{ country: 'IN', mechanism: 'standard_contractual_clauses' }],
      },
      422,
      'PROCESSOR_RULE_VIOLATED',
    );
    await refused({ ...MAILER, code: 'x4', country: 'France' }, 400, 'VALIDATION_FAILED');
    await refused({ ...MAILER, code: 'x5', agreement: { signedOn: '2025-02-30' } }, 400, 'VALIDATION_FAILED');
    await refused({ ...MAILER, code: 'Bad Code' }, 400, 'VALIDATION_FAILED');
    const count = await db.query(`SELECT count(*)::int AS n FROM processor`);
    expect(count.rows[0].n).toBe(1);
  });

  it('PUT replaces the declaration, checks If-Match, and keeps every version in the history', async () => {
    const { code: _code, ...declaration } = MAILER;
    const unsigned = { ...declaration, agreement: { reference: 'DPA draft' } };
    await dpo().put('/processors/mailer').set('If-Match', '"7"').send(unsigned).expect(412);
    const updated = await dpo().put('/processors/mailer').set('If-Match', '"1"').send(unsigned).expect(200);
    expect(updated.body).toMatchObject({ version: 2, agreement: { signedOn: null, reference: 'DPA draft' } });
    // Unchanged: no new version, nothing recorded.
    await dpo().put('/processors/mailer').send(unsigned).expect(200);
    const history = await t.as(Role.Auditor).get('/processors/mailer/history').expect(200);
    expect(
      history.body.versions.map((v: { version: number; change: string }) => [v.version, v.change]),
    ).toEqual([
      [1, 'created'],
      [2, 'updated'],
    ]);
    expect(history.body.versions[1].changedFields).toEqual(['agreement']);
    const events = await db.query(
      `SELECT type, payload FROM audit_event WHERE target_type = 'processor' ORDER BY seq`,
    );
    expect(events.rows.map((r) => r.type)).toEqual(['processor.created', 'processor.updated']);
    expect(events.rows[1].payload.before.agreement.signedOn).toBe('2025-01-15');
    await dpo().put('/processors/ghost').send(declaration).expect(404);
  });
});
