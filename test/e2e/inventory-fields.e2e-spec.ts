import { InventoryReadModel } from '../../src/modules/inventory/inventory-read-model.service';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { startInventoryApp } from '../utils/inventory-fixture';
import { declareActivePurpose } from '../utils/register-fixture';
import { queryRows } from '../utils/test-database';
import { TestApp } from '../utils/test-app';

/**
 * The data inventory's fields: registration (keys, special categories, default anonymisation),
 * bindings to purposes and the effective retention they give, and the refusals that keep
 * special-category fields under an art. 9(2) condition. Each test builds on the fields the one
 * before it left.
 */
describe('Data inventory: systems, datasets, fields, bindings (PostgreSQL)', () => {
  let t: TestApp;
  const dpo = () => t.as(Role.Dpo);
  const sql = <T = Record<string, unknown>>(text: string) => queryRows<T>(t.databaseUrl!, text);
  const activePurpose = (code: string, overrides?: Record<string, unknown>) =>
    declareActivePurpose(t, code, overrides);

  beforeAll(async () => {
    t = await startInventoryApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('registers fields with keys, special-category flag and a default anonymisation', async () => {
    const email = await dpo()
      .post('/fields')
      .send({ system: 'crm', dataset: 'public.customers', column: 'email', dataCategory: 'contact' })
      .expect(201);
    expect(email.body).toMatchObject({
      key: 'crm.customers.email',
      systemCode: 'crm',
      dataset: 'public.customers',
      column: 'email',
      special: false,
      anonymisation: { strategy: 'hash' },
      anonymisationIsDefault: true,
      bindings: [],
      purposeCodes: [],
      effectiveRetention: null,
      flags: ['unbound'],
    });
    const iban = await dpo()
      .post('/fields')
      .send({
        system: 'crm',
        dataset: 'billing.invoices',
        column: 'iban',
        dataCategory: 'financial',
        anonymisation: { strategy: 'fixed', value: 'REDACTED' },
      })
      .expect(201);
    expect(iban.body).toMatchObject({ key: 'crm.billing.invoices.iban', anonymisationIsDefault: false });
    const health = await dpo()
      .post('/fields')
      .send({ system: 'crm', dataset: 'public.customers', column: 'health_notes', dataCategory: 'health' })
      .expect(201);
    expect(health.body).toMatchObject({ special: true, anonymisation: { strategy: 'nullify' } });
    const birth = await dpo()
      .post('/fields')
      .send({ system: 'crm', dataset: 'public.customers', column: 'birth_date', dataCategory: 'identity' })
      .expect(201);
    expect(birth.body.anonymisation).toEqual({ strategy: 'generalise', value: 'year' });

    await dpo()
      .post('/fields')
      .send({ system: 'crm', dataset: 'public.customers', column: 'email', dataCategory: 'contact' })
      .expect(409);
    const unknownDataset = await dpo()
      .post('/fields')
      .send({ system: 'crm', dataset: 'public.nope', column: 'email', dataCategory: 'contact' })
      .expect(422);
    expect(unknownDataset.body.error).toBe('FIELD_RULE_VIOLATED');
    const fixedWithoutValue = await dpo()
      .post('/fields')
      .send({
        system: 'crm',
        dataset: 'public.customers',
        column: 'phone',
        dataCategory: 'contact',
        anonymisation: { strategy: 'fixed' },
      })
      .expect(422);
    expect(fixedWithoutValue.body.message).toMatch(/fixed/);
    await dpo()
      .post('/fields')
      .send({ system: 'crm', dataset: 'public.customers', column: 'phone', dataCategory: 'gossip' })
      .expect(400);
    await dpo().get('/fields/crm.customers.phone').expect(404);
    await dpo().get('/fields/not a key').expect(400);
  });

  it('binds fields to purposes and computes the effective retention (longest active purpose)', async () => {
    const res = await dpo()
      .put('/fields/crm.customers.email/purposes')
      .send({
        bindings: [
          { purpose: 'sales.orders', actions: ['write', 'read'] },
          {
            purpose: 'marketing.newsletter',
            actions: ['read'],
            obligation: 'mask',
            appliesToSubPurposes: true,
          },
        ],
      })
      .expect(200);
    expect(res.body.purposeCodes).toEqual(['marketing.newsletter', 'sales.orders']);
    expect(res.body.bindings).toEqual([
      expect.objectContaining({
        purposeCode: 'marketing.newsletter',
        purposeStatus: 'active',
        actions: ['read'],
        obligation: 'mask',
        appliesToSubPurposes: true,
      }),
      expect.objectContaining({ purposeCode: 'sales.orders', actions: ['read', 'write'], obligation: null }),
    ]);
    expect(res.body.effectiveRetention).toEqual({
      duration: 'P5Y',
      trigger: 'contract_end',
      purposeCode: 'sales.orders',
      words: { en: '5 years from the end of the contract', fr: '5 ans à compter de la fin du contrat' },
    });
    expect(res.body.flags).toEqual([]);

    const fetched = await dpo().get('/fields/crm.customers.email').expect(200);
    expect(fetched.body.effectiveRetention.purposeCode).toBe('sales.orders');

    const inventory = await t.app.get(InventoryReadModel).getPolicyInventory();
    expect(inventory.bindings.filter((b) => b.fieldKey === 'crm.customers.email')).toEqual([
      {
        fieldKey: 'crm.customers.email',
        purposeCode: 'marketing.newsletter',
        actions: ['read'],
        obligation: 'mask',
        appliesToSubPurposes: true,
      },
      {
        fieldKey: 'crm.customers.email',
        purposeCode: 'sales.orders',
        actions: ['read', 'write'],
        obligation: null,
        appliesToSubPurposes: false,
      },
    ]);
    expect(inventory.fields).toContainEqual({
      key: 'crm.billing.invoices.iban',
      systemCode: 'crm',
      dataset: 'billing.invoices',
      column: 'iban',
      dataCategory: 'financial',
      special: false,
    });
  });

  it('refuses a special-category binding to a purpose without an art. 9(2) condition, writing nothing', async () => {
    const revisionBefore = await sql<{ revision: string }>(`SELECT revision FROM register_revision`);
    const refused = await dpo()
      .put('/fields/crm.customers.health_notes/purposes')
      .send({
        bindings: [
          { purpose: 'support.care', actions: ['read'] },
          { purpose: 'sales.orders', actions: ['read'] },
        ],
      })
      .expect(422);
    expect(refused.body.error).toBe('FIELD_BINDING_REFUSED');
    expect(refused.body.message).toMatch(/sales\.orders.*art\. 9\(2\)/);
    expect(refused.body.details).toEqual([
      expect.objectContaining({
        reason: 'special_category_without_condition',
        property: 'bindings[sales.orders]',
      }),
    ]);
    expect((await dpo().get('/fields/crm.customers.health_notes').expect(200)).body.bindings).toEqual([]);
    expect(await sql(`SELECT revision FROM register_revision`)).toEqual(revisionBefore);

    await dpo()
      .put('/fields/crm.customers.health_notes/purposes')
      .send({ bindings: [{ purpose: 'support.care', actions: ['read'] }] })
      .expect(200);

    // Re-categorising a field bound to an unfit purpose is refused the same way.
    const recategorised = await dpo()
      .patch('/fields/crm.customers.email')
      .send({ dataCategory: 'health' })
      .expect(422);
    expect(recategorised.body.error).toBe('FIELD_BINDING_REFUSED');
    expect((await dpo().get('/fields/crm.customers.email').expect(200)).body.dataCategory).toBe('contact');
  });

  it('refuses unknown and retired purposes, and flags a field left only with retired ones', async () => {
    const unknown = await dpo()
      .put('/fields/crm.billing.invoices.iban/purposes')
      .send({ bindings: [{ purpose: 'no.such', actions: ['read'] }] })
      .expect(422);
    expect(unknown.body.details).toEqual([expect.objectContaining({ reason: 'unknown_purpose' })]);
    const invalid = await dpo()
      .put('/fields/crm.billing.invoices.iban/purposes')
      .send({ bindings: [{ purpose: 'sales.orders', actions: ['delete'] }] })
      .expect(400);
    expect(invalid.body.error).toBe('VALIDATION_FAILED');

    await dpo()
      .put('/fields/crm.billing.invoices.iban/purposes')
      .send({ bindings: [{ purpose: 'old.campaign', actions: ['read'] }] })
      .expect(200);
    await dpo().post('/purposes/old.campaign/retire').expect(200);
    const flagged = await dpo().get('/fields/crm.billing.invoices.iban').expect(200);
    expect(flagged.body.flags).toEqual(['only_retired_purposes']);
    expect(flagged.body.effectiveRetention).toBeNull();
    expect(flagged.body.bindings[0].purposeStatus).toBe('retired');

    // A retired purpose keeps the binding it had but never gains a new one.
    const gained = await dpo()
      .put('/fields/crm.customers.birth_date/purposes')
      .send({ bindings: [{ purpose: 'old.campaign', actions: ['read'] }] })
      .expect(422);
    expect(gained.body.details).toEqual([expect.objectContaining({ reason: 'retired_purpose' })]);
    await dpo()
      .put('/fields/crm.billing.invoices.iban/purposes')
      .send({ bindings: [{ purpose: 'old.campaign', actions: ['read', 'export'] }] })
      .expect(200);
  });

  it('refuses taking the art. 9(2) condition from a purpose special-category fields are bound to', async () => {
    // health_notes (health) is bound to support.care, which records the condition.
    const cleared = await dpo()
      .patch('/purposes/support.care')
      .send({ specialCategoryCondition: null })
      .expect(422);
    expect(cleared.body.error).toBe('PURPOSE_CONDITION_IN_USE');
    expect(cleared.body.message).toContain('crm.customers.health_notes');
    expect(cleared.body.details).toEqual([
      expect.objectContaining({ purposeCode: 'support.care', fieldKey: 'crm.customers.health_notes' }),
    ]);
    expect((await dpo().get('/purposes/support.care').expect(200)).body.specialCategoryCondition).toBe(
      'explicit_consent',
    );
    // Another condition is fine: the fields still have one.
    await dpo()
      .patch('/purposes/support.care')
      .send({ specialCategoryCondition: 'employment_social_security' })
      .expect(200);

    // A parent cannot take away the condition its sub-purposes inherit either.
    await activePurpose('clinic', { specialCategoryCondition: 'health_or_social_care' });
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code: 'clinic.triage', name: 'Triage', parentCode: 'clinic' }))
      .expect(201);
    await dpo()
      .post('/fields')
      .send({ system: 'crm', dataset: 'public.customers', column: 'allergies', dataCategory: 'health' })
      .expect(201);
    await dpo()
      .put('/fields/crm.customers.allergies/purposes')
      .send({ bindings: [{ purpose: 'clinic.triage', actions: ['read'] }] })
      .expect(200);
    const parent = await dpo().patch('/purposes/clinic').send({ specialCategoryCondition: null }).expect(422);
    expect(parent.body.error).toBe('PURPOSE_CONDITION_IN_USE');
    expect(parent.body.details).toEqual([
      expect.objectContaining({ purposeCode: 'clinic.triage', fieldKey: 'crm.customers.allergies' }),
    ]);
    expect((await dpo().get('/purposes/clinic.triage').expect(200)).body.specialCategoryCondition).toBe(
      'health_or_social_care',
    );
    // A sub-purpose with a condition of its own does not depend on its parent's.
    await dpo()
      .patch('/purposes/clinic.triage')
      .send({ specialCategoryCondition: 'explicit_consent' })
      .expect(200);
    await dpo().patch('/purposes/clinic').send({ specialCategoryCondition: null }).expect(200);
    // Once no special-category field is bound, the condition can go.
    await dpo().put('/fields/crm.customers.allergies/purposes').send({ bindings: [] }).expect(200);
    await dpo().patch('/purposes/clinic.triage').send({ specialCategoryCondition: null }).expect(200);
  });
});
