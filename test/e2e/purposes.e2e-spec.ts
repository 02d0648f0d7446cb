import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

describe('Purpose register (PostgreSQL)', () => {
  let t: TestApp;
  const dpo = () => t.as(Role.Dpo);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

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

  it('lets a sub-purpose inherit what it does not override, and revert to inheriting with null', async () => {
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code: 'hr' }))
      .expect(201);
    await dpo().post('/purposes/hr/activate').expect(200);
    const child = await dpo()
      .post('/purposes')
      .send({
        code: 'hr.payroll',
        name: 'Payroll',
        parentCode: 'hr',
        legalBasis: 'legal_obligation',
        retention: { duration: 'P5Y', trigger: 'contract_end' },
      })
      .expect(201);
    expect(child.body).toMatchObject({
      legalBasis: 'legal_obligation',
      controller: { name: 'ACME SAS' },
      retention: { duration: 'P5Y', trigger: 'contract_end' },
    });
    expect(child.body.inheritedFrom).toMatchObject({ controller: 'hr', dataSubjectCategories: 'hr' });
    expect(child.body.inheritedFrom.retention).toBeUndefined();
    await dpo().post('/purposes/hr.payroll/activate').expect(200);

    const reverted = await dpo().patch('/purposes/hr.payroll').send({ retention: null }).expect(200);
    expect(reverted.body.retention).toEqual({ duration: 'P3Y', trigger: 'last_interaction' });
    expect(reverted.body.inheritedFrom.retention).toBe('hr');

    // A parent with active children cannot retire; a parent cannot lose what active children need.
    expect((await dpo().post('/purposes/hr/retire').expect(409)).body.error).toBe(
      'PURPOSE_HAS_ACTIVE_CHILDREN',
    );
    expect((await dpo().patch('/purposes/hr').send({ retention: null }).expect(422)).body.error).toBe(
      'PURPOSE_RULE_VIOLATED',
    );
  });

  it('refuses hierarchy cycles, unknown parents and parent changes after drafting', async () => {
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code: 'a' }))
      .expect(201);
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code: 'a.b', parentCode: 'a' }))
      .expect(201);
    expect((await dpo().patch('/purposes/a').send({ parentCode: 'a.b' }).expect(422)).body.error).toBe(
      'PURPOSE_HIERARCHY_CYCLE',
    );
    expect(
      (
        await dpo()
          .post('/purposes')
          .send(purposeInput({ parentCode: 'nope' }))
          .expect(422)
      ).body.error,
    ).toBe('PARENT_PURPOSE_NOT_FOUND');
    await dpo().post('/purposes/a/activate').expect(200);
    expect((await dpo().patch('/purposes/a').send({ parentCode: null }).expect(200)).body.version).toBe(
      2 /* no-op */ + 0,
    );
    expect((await dpo().patch('/purposes/a.b').send({ name: 'renamed' }).expect(200)).body.name).toBe(
      'renamed',
    );
  });

  it('refuses illegal transitions and parent moves with 409, and lets a draft under a retired parent be fixed', async () => {
    const errorOf = async (req: Promise<{ status: number; body: { error: string } }>) => {
      const res = await req;
      return [res.status, res.body.error];
    };
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code: 'old.parent' }))
      .expect(201);
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code: 'new.parent' }))
      .expect(201);
    await dpo().post('/purposes/old.parent/activate').expect(200);
    await dpo().post('/purposes/new.parent/activate').expect(200);
    expect(await errorOf(dpo().post('/purposes/old.parent/activate'))).toEqual([
      409,
      'PURPOSE_TRANSITION_REFUSED',
    ]);
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code: 'old.parent.child', parentCode: 'old.parent' }))
      .expect(201);
    // Retiring a draft is refused (delete it instead); an active purpose's parent is locked.
    expect(await errorOf(dpo().post('/purposes/old.parent.child/retire'))).toEqual([
      409,
      'PURPOSE_TRANSITION_REFUSED',
    ]);
    expect(await errorOf(dpo().patch('/purposes/old.parent').send({ parentCode: 'new.parent' }))).toEqual([
      409,
      'PURPOSE_PARENT_LOCKED',
    ]);
    await dpo().post('/purposes/old.parent/retire').expect(200);
    expect(await errorOf(dpo().post('/purposes/old.parent/activate'))).toEqual([
      409,
      'PURPOSE_TRANSITION_REFUSED',
    ]);
    // The draft left under the retired parent can still be edited and moved, not activated there.
    await dpo().patch('/purposes/old.parent.child').send({ name: 'Renamed draft' }).expect(200);
    expect((await dpo().post('/purposes/old.parent.child/activate').expect(422)).body.error).toBe(
      'PURPOSE_RULE_VIOLATED',
    );
    await dpo().patch('/purposes/old.parent.child').send({ parentCode: 'new.parent' }).expect(200);
    await dpo().post('/purposes/old.parent.child/activate').expect(200);
  });

  it('never leaves an active sub-purpose under a retired parent, however the two writes interleave', async () => {
    for (let round = 0; round < 8; round += 1) {
      const parent = `race.p${round}`;
      await dpo()
        .post('/purposes')
        .send(purposeInput({ code: parent }))
        .expect(201);
      await dpo().post(`/purposes/${parent}/activate`).expect(200);
      await dpo()
        .post('/purposes')
        .send(purposeInput({ code: `${parent}.child`, parentCode: parent }))
        .expect(201);
      // Register writes are serialised: one of the two is refused, whichever comes second.
      const [activated, retired] = await Promise.all([
        dpo().post(`/purposes/${parent}.child/activate`),
        dpo().post(`/purposes/${parent}/retire`),
      ]);
      expect([activated.status, retired.status].filter((status) => status === 200)).toHaveLength(1);
      const child = (await dpo().get(`/purposes/${parent}.child`).expect(200)).body;
      const parentNow = (await dpo().get(`/purposes/${parent}`).expect(200)).body;
      expect(child.status === 'active' && parentNow.status === 'retired').toBe(false);
      expect(Math.max(activated.status, retired.status)).toBeLessThan(500);
    }
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

  it('serves the OpenAPI description with every purpose route', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/purposes',
        '/purposes/{code}',
        '/purposes/{code}/activate',
        '/purposes/{code}/retire',
        '/purposes/{code}/history',
      ]),
    );
    expect(doc.body.components.schemas.CreatePurposeDto.properties.code.example).toBe('marketing.newsletter');
  });

  it('reports liveness and readiness', async () => {
    await t.http().get('/health').expect(200);
    expect((await t.http().get('/health/ready').expect(200)).body.info.database.status).toBe('up');
  });
});
