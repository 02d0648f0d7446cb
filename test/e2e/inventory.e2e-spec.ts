import { InventoryReadModel } from '../../src/modules/inventory/inventory-read-model.service';
import { Role } from '../../src/policies/role.enum';
import { datasetInput, systemInput } from '../factories/inventory.factory';
import { purposeInput } from '../factories/purpose.factory';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

describe('Data inventory: systems, datasets, fields, bindings (PostgreSQL)', () => {
  let t: TestApp;
  const dpo = () => t.as(Role.Dpo);
  const CONNECTION = 'postgres://finalite_ro:s3cret-pw@crm-db.internal:5432/crm';

  async function activePurpose(code: string, overrides: Record<string, unknown> = {}): Promise<void> {
    await dpo()
      .post('/purposes')
      .send(purposeInput({ code, ...overrides }))
      .expect(201);
    await dpo().post(`/purposes/${code}/activate`).expect(200);
  }

  async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    const db = await connectTo(t.databaseUrl!);
    try {
      return (await db.query(text, params)).rows as T[];
    } finally {
      await db.end();
    }
  }

  beforeAll(async () => {
    t = await startTestApp();
    await activePurpose('sales.orders', { retention: { duration: 'P5Y', trigger: 'contract_end' } });
    await activePurpose('marketing.newsletter', {
      retention: { duration: 'P13M', trigger: 'last_interaction' },
    });
    await activePurpose('support.care', {
      specialCategoryCondition: 'explicit_consent',
      retention: { duration: 'P2Y', trigger: 'last_interaction' },
    });
    await activePurpose('old.campaign', { retention: { duration: 'P10Y', trigger: 'collection' } });
    await dpo()
      .post('/systems')
      .send(systemInput({ kind: 'postgres', connectionString: CONNECTION }))
      .expect(201);
    await dpo().post('/systems/crm/datasets').send(datasetInput()).expect(201);
    await dpo()
      .post('/systems/crm/datasets')
      .send(datasetInput({ name: 'billing.invoices', subjectColumn: 'customer_id', timestampColumns: {} }))
      .expect(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores a connection string encrypted, never returns it and never audits it', async () => {
    const res = await dpo().get('/systems/crm').expect(200);
    expect(res.body).toMatchObject({ code: 'crm', kind: 'postgres', hasConnection: true, datasetCount: 2 });
    expect(JSON.stringify(res.body)).not.toContain('s3cret');
    expect(JSON.stringify((await dpo().get('/systems').expect(200)).body)).not.toContain('s3cret');

    const [row] = await sql<{ connection_string_encrypted: string }>(
      `SELECT connection_string_encrypted FROM inventory_system WHERE code = 'crm'`,
    );
    expect(row.connection_string_encrypted).toMatch(/^v1:/);
    expect(row.connection_string_encrypted).not.toContain('s3cret');
    const events = await sql<{ type: string; payload: unknown }>(
      `SELECT type, payload FROM audit_event WHERE target_type = 'system' AND target_id = 'crm' ORDER BY seq`,
    );
    expect(events.map((e) => e.type)).toEqual(['system.created']);
    expect(JSON.stringify(events[0].payload)).not.toContain('s3cret');
    expect(events[0].payload).toMatchObject({ after: { code: 'crm', hasConnection: true } });

    // Internal consumers (the retention engine) get it decrypted.
    const plan = await t.app.get(InventoryReadModel).getRetentionPlan({ systemCode: 'crm' });
    expect(plan.map((p) => p.dataset.name)).toEqual(['billing.invoices', 'public.customers']);
    expect(plan[0].system.connectionString).toBe(CONNECTION);
  });

  it('enforces what each kind of system may hold', async () => {
    const noUrl = await dpo()
      .post('/systems')
      .send(systemInput({ code: 'erp', kind: 'webhook' }))
      .expect(422);
    expect(noUrl.body).toMatchObject({ error: 'SYSTEM_RULE_VIOLATED' });
    expect(noUrl.body.details).toEqual([expect.objectContaining({ property: 'webhookUrl' })]);

    const manualWithConnection = await dpo()
      .post('/systems')
      .send(systemInput({ code: 'paper', kind: 'manual', connectionString: CONNECTION }))
      .expect(422);
    expect(manualWithConnection.body.details).toEqual([
      expect.objectContaining({ property: 'connectionString' }),
    ]);

    const badCron = await dpo()
      .post('/systems')
      .send(systemInput({ code: 'paper', retentionSchedule: 'every day' }))
      .expect(400);
    expect(badCron.body.details).toEqual([expect.objectContaining({ property: 'retentionSchedule' })]);
    await dpo()
      .post('/systems')
      .send(systemInput({ code: 'Bad.Code' }))
      .expect(400);

    const webhook = await dpo()
      .post('/systems')
      .send(
        systemInput({
          code: 'mailer',
          kind: 'webhook',
          webhookUrl: 'https://mailer.internal/erase',
          webhookSecret: 'whsec_0123456789abcdef',
          retentionSchedule: '0 3 * * *',
        }),
      )
      .expect(201);
    expect(webhook.body).toMatchObject({
      hasWebhookSecret: true,
      hasConnection: false,
      retentionSchedule: '0 3 * * *',
    });
    expect(JSON.stringify(webhook.body)).not.toContain('whsec_');
    await dpo().get('/systems/paper').expect(404);
    await dpo()
      .post('/systems')
      .send(systemInput({ code: 'mailer' }))
      .expect(409);

    const stale = await dpo()
      .patch('/systems/mailer')
      .set('If-Match', '"7"')
      .send({ owner: 'x' })
      .expect(412);
    expect(stale.body.error).toBe('SYSTEM_VERSION_MISMATCH');
    const edited = await dpo()
      .patch('/systems/mailer')
      .set('If-Match', '"1"')
      .send({ owner: 'CRM team' })
      .expect(200);
    expect(edited.body).toMatchObject({ owner: 'CRM team', version: 2 });
    await dpo().delete('/systems/mailer').expect(204);
    await dpo().get('/systems/mailer').expect(404);
  });

  it('validates dataset identifiers before they can reach SQL', async () => {
    const bad = await dpo()
      .post('/systems/crm/datasets')
      .send(datasetInput({ name: 'public.customers; DROP TABLE x', subjectColumn: 'id"--' }))
      .expect(400);
    expect(bad.body.details.map((d: { property: string }) => d.property).sort()).toEqual([
      'name',
      'subjectColumn',
    ]);
    await dpo().post('/systems/crm/datasets').send(datasetInput()).expect(409);
    await dpo().post('/systems/nope/datasets').send(datasetInput()).expect(404);
    const list = await dpo().get('/systems/crm/datasets').expect(200);
    expect(list.body.items.map((d: { name: string }) => d.name)).toEqual([
      'billing.invoices',
      'public.customers',
    ]);
    const customers = await dpo().get('/systems/crm/datasets/public.customers').expect(200);
    expect(customers.body).toMatchObject({
      schema: 'public',
      table: 'customers',
      primaryKey: ['id'],
      timestampColumns: { collection: 'created_at', lastInteraction: 'last_order_at' },
    });
    const patched = await dpo()
      .patch('/systems/crm/datasets/public.customers')
      .send({
        timestampColumns: {
          collection: 'created_at',
          lastInteraction: 'last_order_at',
          contractEnd: 'closed_at',
        },
      })
      .expect(200);
    expect(patched.body.timestampColumns.contractEnd).toBe('closed_at');
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

  it('filters fields by system, category, purpose, special and unbound', async () => {
    const keys = async (query: Record<string, string>) =>
      (await dpo().get('/fields').query(query).expect(200)).body.items.map((f: { key: string }) => f.key);
    expect(await keys({ special: 'true' })).toEqual(['crm.customers.health_notes']);
    expect(await keys({ unbound: 'true' })).toEqual(['crm.customers.birth_date']);
    expect(await keys({ category: 'financial' })).toEqual(['crm.billing.invoices.iban']);
    expect(await keys({ purpose: 'sales.orders' })).toEqual(['crm.customers.email']);
    expect(await keys({ system: 'crm', limit: '2' })).toEqual([
      'crm.billing.invoices.iban',
      'crm.customers.birth_date',
    ]);
    const page = await dpo().get('/fields').query({ limit: '2' }).expect(200);
    const next = await dpo().get('/fields').query({ limit: '2', cursor: page.body.nextCursor }).expect(200);
    expect(next.body.items.map((f: { key: string }) => f.key)).toEqual([
      'crm.customers.email',
      'crm.customers.health_notes',
    ]);
    await dpo().get('/fields').query({ special: 'maybe' }).expect(400);

    const ofPurpose = await dpo().get('/purposes/support.care/fields').expect(200);
    expect(ofPurpose.body.items.map((f: { key: string }) => f.key)).toEqual(['crm.customers.health_notes']);
    await dpo().get('/purposes/no.such/fields').expect(404);
  });

  it('lets an auditor read but not write, and an application see only fields of its purposes', async () => {
    await t.as(Role.Auditor).get('/fields/crm.customers.email').expect(200);
    await t
      .as(Role.Auditor)
      .post('/fields')
      .send({ system: 'crm', dataset: 'public.customers', column: 'phone', dataCategory: 'contact' })
      .expect(403);
    await t.as(Role.Auditor).post('/systems/crm/scan').send({}).expect(403);

    await t.authoriseApplication(['marketing.newsletter']);
    const app = () => t.as(Role.Application);
    await app().get('/fields/crm.customers.email').expect(200);
    await app().get('/fields/crm.customers.health_notes').expect(404);
    const listed = await app().get('/fields').expect(200);
    expect(listed.body.items.map((f: { key: string }) => f.key)).toEqual(['crm.customers.email']);
    await app().get('/systems').expect(403);
  });

  it("shows an application only the bindings of its own purposes, never the field's other purposes", async () => {
    await t.authoriseApplication(['marketing.newsletter']);
    const app = () => t.as(Role.Application);
    const seen = await app().get('/fields/crm.customers.email').expect(200);
    expect(seen.body.purposeCodes).toEqual(['marketing.newsletter']);
    expect(seen.body.bindings).toEqual([
      expect.objectContaining({ purposeCode: 'marketing.newsletter', actions: ['read'], obligation: 'mask' }),
    ]);
    // How long the field is kept is the field's; which other purpose keeps it that long is not.
    expect(seen.body.effectiveRetention).toEqual({
      duration: 'P5Y',
      trigger: 'contract_end',
      purposeCode: null,
      words: { en: '5 years from the end of the contract', fr: '5 ans à compter de la fin du contrat' },
    });
    expect(JSON.stringify(seen.body)).not.toContain('sales.orders');
    const listed = await app().get('/fields').expect(200);
    expect(listed.body.items.map((f: { purposeCodes: string[] }) => f.purposeCodes)).toEqual([
      ['marketing.newsletter'],
    ]);
    const ofPurpose = await app().get('/purposes/marketing.newsletter/fields').expect(200);
    expect(JSON.stringify(ofPurpose.body)).not.toContain('sales.orders');
    // Nor can it find the field through a purpose it may not see.
    expect((await app().get('/fields').query({ purpose: 'sales.orders' }).expect(200)).body.items).toEqual(
      [],
    );

    // DPOs and auditors see every binding.
    for (const role of [Role.Dpo, Role.Auditor]) {
      const full = await t.as(role).get('/fields/crm.customers.email').expect(200);
      expect(full.body.purposeCodes).toEqual(['marketing.newsletter', 'sales.orders']);
      expect(full.body.effectiveRetention.purposeCode).toBe('sales.orders');
    }
    // An application authorised for both purposes sees both.
    await t.authoriseApplication(['marketing.newsletter', 'sales.orders']);
    const both = await app().get('/fields/crm.customers.email').expect(200);
    expect(both.body.purposeCodes).toEqual(['marketing.newsletter', 'sales.orders']);
    expect(both.body.effectiveRetention.purposeCode).toBe('sales.orders');
  });

  it('records every inventory change in the audit trail and bumps the register revision', async () => {
    const [{ revision: before }] = await sql<{ revision: string }>(`SELECT revision FROM register_revision`);
    await dpo().patch('/fields/crm.customers.birth_date').send({ description: 'for age checks' }).expect(200);
    await dpo().delete('/fields/crm.customers.birth_date').expect(204);
    const [{ revision: after }] = await sql<{ revision: string }>(`SELECT revision FROM register_revision`);
    expect(Number(after) - Number(before)).toBe(2);
    const events = await sql<{ type: string; payload: { before?: { description?: string } } }>(
      `SELECT type, payload FROM audit_event WHERE target_type = 'field' AND target_id = 'crm.customers.birth_date' ORDER BY seq`,
    );
    expect(events.map((e) => e.type)).toEqual(['field.created', 'field.updated', 'field.deleted']);
    expect(events[2].payload.before?.description).toBe('for age checks');

    // A dataset with fields, or a system with datasets, cannot be removed from under them.
    expect((await dpo().delete('/systems/crm/datasets/public.customers').expect(409)).body.error).toBe(
      'DATASET_NOT_EMPTY',
    );
    expect((await dpo().delete('/systems/crm').expect(409)).body.error).toBe('SYSTEM_NOT_EMPTY');
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
