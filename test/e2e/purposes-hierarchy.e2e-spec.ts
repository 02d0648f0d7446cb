import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { startForSuite } from '../utils/suite-fixture';
import { startTestApp } from '../utils/test-app';

/**
 * The purpose register's hierarchy: what a sub-purpose inherits, cycles and unknown parents, and
 * the transitions and parent moves a hierarchy allows, even when two writes race.
 */
describe('Purpose register (PostgreSQL)', () => {
  const t = startForSuite(() => startTestApp());
  const dpo = () => t.as(Role.Dpo);

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
});
