import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { connectTo } from '../utils/test-database';
import { startForSuite } from '../utils/suite-fixture';
import { startTestApp } from '../utils/test-app';

/**
 * The purpose register: life cycle and versions, activation rules, listing, bad input, and the
 * service's liveness and readiness. Sub-purposes and parents: purposes-hierarchy.e2e-spec.ts.
 */
describe('Purpose register (PostgreSQL)', () => {
  const t = startForSuite(() => startTestApp());
  const dpo = () => t.as(Role.Dpo);

  it('drafts, edits, activates and retires a purpose, keeping every version', async () => {
    const input = purposeInput({ code: 'marketing.newsletter' });
    const created = await dpo().post('/purposes').send(input).expect(201);
    expect(created.body).toMatchObject({
      code: 'marketing.newsletter',
      status: 'draft',
      version: 1,
      legalBasis: 'consent',
    });
    expect(created.body.retention).toEqual({ duration: 'P3Y', trigger: 'last_interaction' });

    const edited = await dpo()
      .patch('/purposes/marketing.newsletter')
      .set('If-Match', '"1"')
      .send({
        retention: { duration: 'P13M', trigger: 'last_interaction' },
        recipients: ['marketing', 'mailer'],
      })
      .expect(200);
    expect(edited.body).toMatchObject({
      version: 2,
      retention: { duration: 'P13M' },
      recipients: ['marketing', 'mailer'],
    });

    await dpo().post('/purposes/marketing.newsletter/activate').expect(200);
    const retired = await dpo().post('/purposes/marketing.newsletter/retire').expect(200);
    expect(retired.body).toMatchObject({ status: 'retired', version: 4 });
    expect(retired.body.retiredAt).toEqual(expect.any(String));

    // Retired purposes stay readable but frozen, and are never deleted.
    await dpo().get('/purposes/marketing.newsletter').expect(200);
    const frozen = await dpo().patch('/purposes/marketing.newsletter').send({ name: 'x' }).expect(409);
    expect(frozen.body.error).toBe('PURPOSE_RETIRED');
    expect((await dpo().delete('/purposes/marketing.newsletter').expect(409)).body.error).toBe(
      'PURPOSE_NOT_DELETABLE',
    );

    const history = await dpo().get('/purposes/marketing.newsletter/history').expect(200);
    expect(
      history.body.versions.map((v: { version: number; change: string }) => [v.version, v.change]),
    ).toEqual([
      [1, 'created'],
      [2, 'updated'],
      [3, 'activated'],
      [4, 'retired'],
    ]);
    expect(history.body.versions[1].changedFields).toEqual(['recipients', 'retention']);
    expect(history.body.versions[0].snapshot.retention).toEqual({
      duration: 'P3Y',
      trigger: 'last_interaction',
    });
    expect(history.body.versions[1].snapshot.retention).toEqual({
      duration: 'P13M',
      trigger: 'last_interaction',
    });
    expect(history.body.versions[1].actor).toEqual(expect.objectContaining({ id: expect.any(String) }));
  });

  it('records each register change in the audit trail, in the same transaction', async () => {
    const { code } = purposeInput();
    await dpo().post('/purposes').send(purposeInput({ code })).expect(201);
    await dpo()
      .patch(`/purposes/${code as string}`)
      .send({ description: 'changed' })
      .expect(200);
    const db = await connectTo(t.databaseUrl!);
    try {
      const rows = await db.query(
        `SELECT type, payload FROM audit_event WHERE purpose_code = $1 ORDER BY seq`,
        [code],
      );
      expect(rows.rows.map((r) => r.type)).toEqual(['purpose.created', 'purpose.updated']);
      expect(rows.rows[1].payload.before.description).toBe('Monthly newsletter to customers who subscribed');
      expect(rows.rows[1].payload.after.description).toBe('changed');
      await expect(db.query(`UPDATE audit_event SET type = 'x'`)).rejects.toThrow(/append-only/);
      await expect(db.query(`DELETE FROM audit_event`)).rejects.toThrow(/append-only/);
      await expect(db.query(`TRUNCATE audit_event`)).rejects.toThrow(/append-only/);
    } finally {
      await db.end();
    }
  });

  it('refuses to activate an incomplete purpose, naming what is missing', async () => {
    const { code } = purposeInput();
    await dpo().post('/purposes').send({ code, name: 'Incomplete' }).expect(201);
    const res = await dpo()
      .post(`/purposes/${code as string}/activate`)
      .expect(422);
    expect(res.body.error).toBe('PURPOSE_RULE_VIOLATED');
    expect(res.body.details.map((d: { property: string }) => d.property).sort()).toEqual(
      ['controller', 'dataSubjectCategories', 'legalBasis', 'retention'].sort(),
    );
    // Nothing changed.
    expect(
      (
        await dpo()
          .get(`/purposes/${code as string}`)
          .expect(200)
      ).body,
    ).toMatchObject({ status: 'draft', version: 1 });
  });

  it('requires a legitimate interest text for legitimate_interests', async () => {
    const res = await dpo()
      .post('/purposes')
      .send(purposeInput({ legalBasis: 'legitimate_interests' }))
      .expect(422);
    // Each problem carries a stable rule code besides its English text (the console translates it).
    expect(res.body.details).toEqual([
      expect.objectContaining({ property: 'legitimateInterest', rule: 'legitimate_interest_required' }),
    ]);
    await dpo()
      .post('/purposes')
      .send(purposeInput({ legalBasis: 'legitimate_interests', legitimateInterest: 'fraud prevention' }))
      .expect(201);
  });

  it('answers 412 to a stale If-Match, and 409 to a duplicate code', async () => {
    const input = purposeInput();
    await dpo().post('/purposes').send(input).expect(201);
    const dup = await dpo().post('/purposes').send(input).expect(409);
    expect(dup.body.error).toBe('PURPOSE_ALREADY_EXISTS');
    await dpo()
      .patch(`/purposes/${input.code as string}`)
      .send({ name: 'v2' })
      .expect(200);
    const stale = await dpo()
      .patch(`/purposes/${input.code as string}`)
      .set('If-Match', '"1"')
      .send({ name: 'v3' })
      .expect(412);
    expect(stale.body).toMatchObject({ error: 'PURPOSE_VERSION_MISMATCH', details: { currentVersion: 2 } });
    await dpo()
      .patch(`/purposes/${input.code as string}`)
      .set('If-Match', 'garbage')
      .send({ name: 'v3' })
      .expect(400);
  });

  it('deletes a draft that was never active', async () => {
    const { code } = purposeInput();
    await dpo().post('/purposes').send(purposeInput({ code })).expect(201);
    await dpo()
      .delete(`/purposes/${code as string}`)
      .expect(204);
    await dpo()
      .get(`/purposes/${code as string}`)
      .expect(404);
    // The register's own history outlives the draft, and says it was discarded.
    const history = async () =>
      (
        await dpo()
          .get(`/purposes/${code as string}/history`)
          .expect(200)
      ).body.versions as { purposeId: string; version: number; change: string }[];
    const discarded = await history();
    expect(discarded.map((v) => [v.version, v.change])).toEqual([
      [1, 'created'],
      [2, 'deleted'],
    ]);
    // The code can be reused: the new purpose's versions are told apart by purposeId.
    await dpo().post('/purposes').send(purposeInput({ code })).expect(201);
    const reused = await history();
    expect(reused.map((v) => [v.version, v.change])).toEqual([
      [1, 'created'],
      [2, 'deleted'],
      [1, 'created'],
    ]);
    expect(reused[2].purposeId).not.toBe(reused[0].purposeId);
    expect(reused[1].purposeId).toBe(reused[0].purposeId);
  });

  it('lists with filters on effective values and a stable cursor', async () => {
    for (const i of [1, 2, 3, 4, 5]) {
      await dpo()
        .post('/purposes')
        .send(
          purposeInput({
            code: `list.p${i}`,
            name: `Listed ${i}`,
            legalBasis: i % 2 ? 'contract' : 'consent',
          }),
        )
        .expect(201);
    }
    const page1 = await dpo().get('/purposes').query({ q: 'listed', limit: 2 }).expect(200);
    expect(page1.body.items.map((p: { code: string }) => p.code)).toEqual(['list.p1', 'list.p2']);
    const page2 = await dpo()
      .get('/purposes')
      .query({ q: 'listed', limit: 2, cursor: page1.body.nextCursor })
      .expect(200);
    expect(page2.body.items.map((p: { code: string }) => p.code)).toEqual(['list.p3', 'list.p4']);
    const page3 = await dpo()
      .get('/purposes')
      .query({ q: 'listed', limit: 2, cursor: page2.body.nextCursor })
      .expect(200);
    expect(page3.body).toEqual({ items: [expect.objectContaining({ code: 'list.p5' })], nextCursor: null });
    const contracts = await dpo().get('/purposes').query({ q: 'listed', legalBasis: 'contract' }).expect(200);
    expect(contracts.body.items).toHaveLength(3);
    expect((await dpo().get('/purposes').query({ cursor: 'not-a-cursor' }).expect(400)).body.error).toBe(
      'INVALID_CURSOR',
    );
    const weird = await dpo().get('/purposes').query({ status: 'weird' }).expect(400);
    expect(weird.body.error).toBe('VALIDATION_FAILED');
    // The class-validator rule of each constraint, in order: what the console translates.
    expect(weird.body.details).toEqual([
      expect.objectContaining({ property: 'status', rules: ['isEnum'], constraints: [expect.any(String)] }),
    ]);
  });

  describe('bad input answers 4xx with a structured error and writes nothing', () => {
    const cases: [string, () => { send: unknown; type?: string }, number, string][] = [
      ['malformed JSON', () => ({ send: '{"code": ', type: 'application/json' }), 400, 'MALFORMED_JSON'],
      ['unknown property', () => ({ send: purposeInput({ colour: 'blue' }) }), 400, 'VALIDATION_FAILED'],
      ['wrong type', () => ({ send: purposeInput({ dpiaRequired: 'yes' }) }), 400, 'VALIDATION_FAILED'],
      [
        'invalid legal basis',
        () => ({ send: purposeInput({ legalBasis: 'because' }) }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'invalid ISO-8601 duration',
        () => ({ send: purposeInput({ retention: { duration: '3 years', trigger: 'collection' } }) }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'zero duration',
        () => ({ send: purposeInput({ retention: { duration: 'P0D', trigger: 'collection' } }) }),
        400,
        'VALIDATION_FAILED',
      ],
      ['bad code', () => ({ send: purposeInput({ code: 'Not A Slug' }) }), 400, 'VALIDATION_FAILED'],
      ['missing name', () => ({ send: purposeInput({ name: undefined }) }), 400, 'VALIDATION_FAILED'],
      ['missing code', () => ({ send: purposeInput({ code: undefined }) }), 400, 'VALIDATION_FAILED'],
      ['null name', () => ({ send: purposeInput({ name: null }) }), 400, 'VALIDATION_FAILED'],
      ['array instead of object', () => ({ send: [purposeInput()] }), 400, 'VALIDATION_FAILED'],
      [
        'payload over 1 MB',
        () => ({ send: purposeInput({ description: 'x'.repeat(1_100_000) }) }),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
    ];
    it.each(cases)('%s', async (_name, make, status, code) => {
      const before = (await dpo().get('/purposes').query({ limit: 500 }).expect(200)).body.items.length;
      const { send, type } = make();
      let req = dpo().post('/purposes');
      if (type) req = req.set('Content-Type', type);
      const res = await req.send(send as string).expect(status);
      expect(res.body).toEqual(
        expect.objectContaining({ statusCode: status, error: code, message: expect.any(String) }),
      );
      if (code === 'VALIDATION_FAILED') expect(res.body.details.length).toBeGreaterThan(0);
      expect((await dpo().get('/purposes').query({ limit: 500 }).expect(200)).body.items.length).toBe(before);
    });

    it('unknown code → 404; malformed code in the path → 400', async () => {
      expect((await dpo().get('/purposes/does.not.exist').expect(404)).body.error).toBe('PURPOSE_NOT_FOUND');
      expect((await dpo().get('/purposes/NOT%20VALID').expect(400)).body.error).toBe('INVALID_IDENTIFIER');
      expect((await dpo().post('/purposes/does.not.exist/activate').expect(404)).body.error).toBe(
        'PURPOSE_NOT_FOUND',
      );
    });
  });

  it('reports liveness and readiness', async () => {
    await t.http().get('/health').expect(200);
    expect((await t.http().get('/health/ready').expect(200)).body.info.database.status).toBe('up');
  });
});
