import { randomBytes } from 'node:crypto';
import { InventoryReadModel } from '../../src/modules/inventory/inventory-read-model.service';
import { Role } from '../../src/policies/role.enum';
import { datasetInput, systemInput } from '../factories/inventory.factory';
import { connectTo, createTestDatabase, TestDatabase, withAdmin } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

interface UnregisteredColumn {
  suggestedKey: string | null;
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
    const scan = await dpo()
      .post('/systems/crm/scan')
      .send({ schemas: ['public'] })
      .expect(200);
    await dpo()
      .post('/fields')
      .send({ system: 'crm', dataset: 'public.customers', column: 'phone', dataCategory: 'contact' })
      .expect(201);
    const findings = await t.app.get(InventoryReadModel).listLastScanFindings();
    expect(findings).toHaveLength(1);
    expect(findings[0].systemCode).toBe('crm');
    expect(findings[0].scannedAt).toBeInstanceOf(Date);
    const keys = findings[0].unregistered.map((c) => c.suggestedKey);
    expect(keys).not.toContain('crm.customers.phone');
    expect(keys).toContain('crm.customers.first_name');
    expect(keys).not.toContain('crm.billing.invoices.iban'); // the last scan read public only
    // Same findings, same order, minus the column registered since.
    expect(JSON.parse(JSON.stringify(findings[0].unregistered))).toEqual(
      (scan.body.unregistered as UnregisteredColumn[]).filter(
        (c) => c.suggestedKey !== 'crm.customers.phone',
      ),
    );
    expect(findings[0].scannedAt.toISOString()).toBe(scan.body.scannedAt);
    expect(findings[0].missing).toEqual([
      { key: 'crm.customers.fax', dataset: 'public.customers', column: 'fax' },
    ]);
    // A missing field removed from the register since is no longer a finding.
    await dpo().delete('/fields/crm.customers.fax').expect(204);
    expect((await t.app.get(InventoryReadModel).listLastScanFindings())[0].missing).toEqual([]);

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

  describe('with a least-privilege scanning role', () => {
    let hr: TestDatabase;
    const role = `fin_scan_${randomBytes(4).toString('hex')}`;

    beforeAll(async () => {
      hr = await createTestDatabase('scan_hr');
      const db = await connectTo(hr.url);
      try {
        await db.query(`
          CREATE TABLE staff (id bigint PRIMARY KEY, email text, "home address" text);
          CREATE TABLE payroll (id bigint PRIMARY KEY, employee_email text, legacy_ssn text, salary numeric(12,2));
          ALTER TABLE payroll DROP COLUMN legacy_ssn;
          CREATE VIEW staff_contacts AS SELECT email AS contact_email FROM staff;
          CREATE TABLE badge_events (id bigint, seen_at timestamptz) PARTITION BY RANGE (seen_at);
          CREATE TABLE badge_events_2026 PARTITION OF badge_events
            FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
          CREATE SCHEMA archive;
          CREATE TABLE archive.old_staff (id bigint PRIMARY KEY, phone text);
          CREATE ROLE ${role} LOGIN NOSUPERUSER;
          GRANT SELECT ON staff TO ${role};`);
      } finally {
        await db.end();
      }
      const url = new URL(hr.url);
      url.username = role;
      await dpo()
        .post('/systems')
        .send(systemInput({ code: 'hr', kind: 'postgres', connectionString: url.toString() }))
        .expect(201);
    });
    afterAll(async () => {
      await hr?.drop();
      await withAdmin((c) => c.query(`DROP ROLE IF EXISTS ${role}`));
    });

    it('lists every table column, even those the role may not read, and no view columns', async () => {
      const res = await dpo().post('/systems/hr/scan').send({}).expect(200);
      const unregistered = res.body.unregistered as (UnregisteredColumn & {
        dataType: string;
        registrable: boolean;
        schema: string;
        table: string;
        column: string;
      })[];
      expect(unregistered.map((c) => `${c.schema}.${c.table}.${c.column}`).sort()).toEqual([
        'archive.old_staff.id',
        'archive.old_staff.phone',
        'public.badge_events.id',
        'public.badge_events.seen_at',
        'public.payroll.employee_email',
        'public.payroll.id',
        'public.payroll.salary',
        'public.staff.email',
        'public.staff.home address',
        'public.staff.id',
      ]);
      expect(res.body).toMatchObject({ schemas: ['archive', 'public'], columnCount: 10, missing: [] });
      expect(unregistered.find((c) => c.column === 'salary')).toMatchObject({
        suggestedKey: 'hr.payroll.salary',
        registrable: true,
      });
      // A name the register cannot hold gets no unusable key, but stays on the to-do list.
      expect(unregistered.find((c) => c.column === 'home address')).toMatchObject({
        suggestedKey: null,
        registrable: false,
        likelyPersonal: true,
        suggestedCategory: 'location',
      });
      expect(unregistered.find((c) => c.suggestedKey === 'hr.payroll.salary')).toMatchObject({
        dataType: 'numeric(12,2)',
        likelyPersonal: true,
        suggestedCategory: 'financial',
      });
    });

    it('reports the registered fields of a schema the database no longer has as missing', async () => {
      await dpo()
        .post('/systems/hr/datasets')
        .send(datasetInput({ name: 'archive.old_staff', timestampColumns: {} }))
        .expect(201);
      await dpo()
        .post('/fields')
        .send({ system: 'hr', dataset: 'archive.old_staff', column: 'phone', dataCategory: 'contact' })
        .expect(201);
      const db = await connectTo(hr.url);
      try {
        await db.query(`DROP SCHEMA archive CASCADE`);
      } finally {
        await db.end();
      }
      const res = await dpo().post('/systems/hr/scan').send({}).expect(200);
      expect(res.body.schemas).toEqual(['archive', 'public']);
      expect(res.body.missing).toEqual([
        { key: 'hr.archive.old_staff.phone', dataset: 'archive.old_staff', column: 'phone' },
      ]);
      // Schemas named explicitly are the scope: the others are not read, nothing there is missing.
      const scoped = await dpo()
        .post('/systems/hr/scan')
        .send({ schemas: ['public'] })
        .expect(200);
      expect(scoped.body.missing).toEqual([]);
    });
  });
});
