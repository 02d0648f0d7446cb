import { Role } from '../../src/policies/role.enum';
import { startInventoryApp } from '../utils/inventory-fixture';
import { queryRows } from '../utils/test-database';
import { TestApp } from '../utils/test-app';

/**
 * The data inventory's fields as each role sees them (filters, an application's own purposes only)
 * and the audit trail of their changes, on the fields inventory-fields leaves
 * (startInventoryApp withFields).
 */
describe('Data inventory: systems, datasets, fields, bindings (PostgreSQL)', () => {
  let t: TestApp;
  const dpo = () => t.as(Role.Dpo);
  const sql = <T = Record<string, unknown>>(text: string) => queryRows<T>(t.databaseUrl!, text);

  beforeAll(async () => {
    t = await startInventoryApp({ withFields: true });
  });
  afterAll(async () => {
    await t?.close();
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
});
