import { InventoryReadModel } from '../../src/modules/inventory/inventory-read-model.service';
import { Role } from '../../src/policies/role.enum';
import { datasetInput, systemInput } from '../factories/inventory.factory';
import { INVENTORY_CONNECTION as CONNECTION, startInventoryApp } from '../utils/inventory-fixture';
import { queryRows } from '../utils/test-database';
import { TestApp } from '../utils/test-app';

/**
 * The data inventory's systems (connection strings kept secret, what each kind may hold, versions)
 * and their datasets, on the register of startInventoryApp.
 */
describe('Data inventory: systems, datasets, fields, bindings (PostgreSQL)', () => {
  let t: TestApp;
  const dpo = () => t.as(Role.Dpo);
  const sql = <T = Record<string, unknown>>(text: string) => queryRows<T>(t.databaseUrl!, text);

  beforeAll(async () => {
    t = await startInventoryApp();
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
});
