import { InventoryService } from '../../src/modules/inventory/inventory.service';
import { Role } from '../../src/policies/role.enum';
import { datasetInput, systemInput } from '../factories/inventory.factory';
import { connectTo, createTestDatabase, TestDatabase } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

interface UnregisteredColumn {
  suggestedKey: string;
  dataset: string | null;
  likelyPersonal: boolean;
  suggestedCategory: string | null;
}

describe('Scan of a real customer database (PostgreSQL)', () => {
  let t: TestApp;
  let target: TestDatabase;
  const dpo = () => t.as(Role.Dpo);

  beforeAll(async () => {
    // A second, real database standing for the customer's CRM.
    target = await createTestDatabase('scan_target');
    const db = await connectTo(target.url);
    try {
      await db.query(`
        CREATE TABLE customers (
          id bigint PRIMARY KEY, email text, phone text, first_name text, birth_date date,
          loyalty_points int, created_at timestamptz);
        CREATE SCHEMA billing;
        CREATE TABLE billing.invoices (id bigint PRIMARY KEY, customer_id bigint, iban text, amount numeric);
        CREATE TABLE audit_log (id bigint PRIMARY KEY, ip_address inet, happened_at timestamptz);`);
    } finally {
      await db.end();
    }
    t = await startTestApp();
    await dpo()
      .post('/systems')
      .send(systemInput({ kind: 'postgres', connectionString: target.url }))
      .expect(201);
    await dpo().post('/systems/crm/datasets').send(datasetInput()).expect(201);
    for (const [column, dataCategory] of [
      ['email', 'contact'],
      ['fax', 'contact'],
    ]) {
      await dpo()
        .post('/fields')
        .send({ system: 'crm', dataset: 'public.customers', column, dataCategory })
        .expect(201);
    }
  });
  afterAll(async () => {
    await t?.close();
    await target?.drop();
  });

  it('lists the columns not registered as fields, suspected personal data first', async () => {
    const res = await dpo().post('/systems/crm/scan').send({}).expect(200);
    expect(res.body).toMatchObject({ systemCode: 'crm', schemas: ['billing', 'public'], columnCount: 14 });
    const unregistered = res.body.unregistered as UnregisteredColumn[];
    const byKey = new Map(unregistered.map((c) => [c.suggestedKey, c]));

    // Registered fields are not findings; every other column is, guessed or not.
    expect(byKey.has('crm.customers.email')).toBe(false);
    expect(unregistered).toHaveLength(13);
    expect(res.body.registeredCount).toBe(1); // email; fax is registered but the database lacks it
    expect(byKey.get('crm.customers.phone')).toMatchObject({
      dataset: 'public.customers',
      likelyPersonal: true,
      suggestedCategory: 'contact',
    });
    expect(byKey.get('crm.billing.invoices.iban')).toMatchObject({
      dataset: null,
      likelyPersonal: true,
      suggestedCategory: 'financial',
    });
    expect(byKey.get('crm.audit_log.ip_address')).toMatchObject({
      likelyPersonal: true,
      suggestedCategory: 'online_identifiers',
    });
    expect(byKey.get('crm.customers.birth_date')).toMatchObject({
      likelyPersonal: true,
      suggestedCategory: 'identity',
    });
    expect(byKey.get('crm.customers.loyalty_points')).toMatchObject({
      likelyPersonal: false,
      suggestedCategory: null,
    });
    const firstUnsuspected = unregistered.findIndex((c) => !c.likelyPersonal);
    expect(unregistered.slice(firstUnsuspected).every((c) => !c.likelyPersonal)).toBe(true);

    // A registered field whose column the database lacks is reported too.
    expect(res.body.missing).toEqual([
      { key: 'crm.customers.fax', dataset: 'public.customers', column: 'fax' },
    ]);
  });

  it('keeps the last findings for the compliance report, minus what was registered since', async () => {
    await dpo()
      .post('/systems/crm/scan')
      .send({ schemas: ['public'] })
      .expect(200);
    await dpo()
      .post('/fields')
      .send({ system: 'crm', dataset: 'public.customers', column: 'phone', dataCategory: 'contact' })
      .expect(201);
    const findings = await t.app.get(InventoryService).listLastScanFindings();
    expect(findings).toHaveLength(1);
    expect(findings[0].systemCode).toBe('crm');
    expect(findings[0].scannedAt).toBeInstanceOf(Date);
    const keys = findings[0].unregistered.map((c) => c.suggestedKey);
    expect(keys).not.toContain('crm.customers.phone');
    expect(keys).toContain('crm.customers.first_name');
    expect(keys).not.toContain('crm.billing.invoices.iban'); // the last scan read public only

    const events = await (async () => {
      const db = await connectTo(t.databaseUrl!);
      try {
        return (await db.query(`SELECT payload FROM audit_event WHERE type = 'system.scanned' ORDER BY seq`))
          .rows;
      } finally {
        await db.end();
      }
    })();
    expect(events).toHaveLength(2);
    expect(events[0].payload).toMatchObject({ columnCount: 14, unregistered: 13, missing: 1 });
    expect(JSON.stringify(events)).not.toContain(target.url);
  });

  it('leaves the customer database as it was', async () => {
    const db = await connectTo(target.url);
    try {
      const tables = await db.query(
        `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables
          WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
      );
      expect(tables.rows.map((r) => r.t)).toEqual([
        'billing.invoices',
        'public.audit_log',
        'public.customers',
      ]);
    } finally {
      await db.end();
    }
  });

  it('answers a clear error, never a 500, when the system cannot be scanned', async () => {
    await dpo()
      .post('/systems')
      .send(
        systemInput({
          code: 'gone',
          kind: 'postgres',
          connectionString: 'postgres://nobody@127.0.0.1:1/none',
        }),
      )
      .expect(201);
    const unreachable = await dpo().post('/systems/gone/scan').send({}).expect(503);
    expect(unreachable.body).toMatchObject({ error: 'SYSTEM_UNREACHABLE' });
    expect(unreachable.body.message).toMatch(/connection refused/);
    expect(unreachable.body.message).not.toContain('nobody@');

    const wrongDb = new URL(target.url);
    wrongDb.pathname = '/fin_test_does_not_exist';
    await dpo().patch('/systems/gone').send({ connectionString: wrongDb.toString() }).expect(200);
    const missingDb = await dpo().post('/systems/gone/scan').send({}).expect(503);
    expect(missingDb.body.message).toMatch(/database does not exist/);

    await dpo()
      .post('/systems')
      .send(systemInput({ code: 'paper' }))
      .expect(201);
    expect((await dpo().post('/systems/paper/scan').send({}).expect(422)).body.error).toBe(
      'SYSTEM_NOT_SCANNABLE',
    );
    await dpo()
      .post('/systems')
      .send(systemInput({ code: 'bare', kind: 'postgres' }))
      .expect(201);
    expect((await dpo().post('/systems/bare/scan').send({}).expect(422)).body.message).toMatch(
      /no connection string/,
    );
    await dpo().post('/systems/none/scan').send({}).expect(404);
    await dpo()
      .post('/systems/crm/scan')
      .send({ schemas: ['public; DROP TABLE customers'] })
      .expect(400);
  });
});
