import { Role } from '../../src/policies/role.enum';
import { binary } from '../utils/documents';
import { createCrm, Crm, registerDataset } from '../utils/crm-fixture';
import { ensurePurposes } from '../utils/register-fixture';
import { waitForRun } from '../utils/retention-run-polling';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Issue 15, defects 2 and 3, on a real PostgreSQL schema: a wholly due row that other rows
 * reference (a partitioned payment table, an ON DELETE CASCADE order table) is anonymised, not
 * deleted, counted per constraint, and never fails the run; a NOT NULL column on `nullify` no
 * longer refuses the dataset: everything else is purged and the field is reported.
 */
describe('Retention: referenced rows and NOT NULL fields never stop a purge', () => {
  let t: TestApp;
  let crm: Crm;
  const dpo = () => t.as(Role.Dpo);

  beforeAll(async () => {
    t = await startTestApp({ env: { RETENTION_SCHEDULER: 'off', RETENTION_BATCH_SIZE: '3' } });
    crm = await createCrm('references');
    await crm.query(`
      CREATE TABLE payment (
        id bigint NOT NULL, paid_at date NOT NULL, amount int NOT NULL,
        customer_id bigint NOT NULL CONSTRAINT payment_customer_fk REFERENCES customers (id),
        PRIMARY KEY (id, paid_at)
      ) PARTITION BY RANGE (paid_at)`);
    await crm.query(
      `CREATE TABLE payment_p2022_01 PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2022-02-01')`,
    );
    await crm.query(`
      CREATE TABLE orders (
        id bigint PRIMARY KEY,
        customer_id bigint CONSTRAINT orders_customer_fk REFERENCES customers (id) ON DELETE CASCADE
      )`);
    await crm.query(`
      CREATE TABLE contacts (
        id int PRIMARY KEY, ref text NOT NULL, email text, phone text NOT NULL, name text,
        created_at timestamptz NOT NULL)`);
    await ensurePurposes(t, [
      {
        code: 'promo.campaign',
        legalBasis: 'contract',
        retention: { duration: 'P1Y', trigger: 'collection' },
      },
      {
        code: 'billing.records',
        legalBasis: 'legal_obligation',
        retention: { duration: 'P10Y', trigger: 'collection' },
      },
      {
        code: 'archive.registry',
        legalBasis: 'legal_obligation',
        retention: { duration: 'P30Y', trigger: 'collection' },
      },
    ]);
    await registerDataset(t, crm, {
      systemCode: 'shop',
      name: 'public.customers',
      subjectColumn: 'customer_ref',
      timestampColumns: { collection: 'created_at' },
      fields: [['email', 'contact', { strategy: 'nullify' }, ['promo.campaign']]],
    });
    await registerDataset(t, crm, {
      systemCode: 'shop',
      name: 'public.contacts',
      subjectColumn: 'ref',
      timestampColumns: { collection: 'created_at' },
      fields: [
        ['email', 'contact', { strategy: 'nullify' }, ['promo.campaign']],
        ['phone', 'contact', { strategy: 'nullify' }, ['billing.records']],
        ['name', 'identity', { strategy: 'nullify' }, ['archive.registry']],
      ],
    });
  });
  afterAll(async () => {
    await t?.close();
    await crm?.close();
  });

  it('anonymises referenced rows instead of deleting them, per constraint, and completes the run', async () => {
    await crm.query(
      `INSERT INTO customers (id, customer_ref, email, name, postcode, created_at)
       SELECT i, 'c-' || i, 'c' || i || '@example.com', 'Name ' || i, '75011', now() - interval '5 years'
         FROM generate_series(1, 6) AS i`,
    );
    await crm.query(
      `INSERT INTO payment VALUES (1, '2022-01-10', 100, 1), (2, '2022-01-11', 50, 2), (3, '2022-01-12', 20, 2)`,
    );
    await crm.query(`INSERT INTO orders VALUES (1, 3)`);

    const created = await dpo()
      .post('/retention/runs')
      .send({ system: 'shop', dataset: 'public.customers', dryRun: false })
      .expect(202);
    const run = await waitForRun(t, created.body.id as string);
    expect(run.status).toBe('completed');
    const ds = run.datasets[0];
    expect(ds).toMatchObject({ status: 'completed', deleted: 3, anonymised: 3, errors: 0 });
    expect(ds.kept).toEqual([
      { reason: 'constraint:orders_customer_fk', rows: 1 },
      { reason: 'constraint:payment_customer_fk', rows: 2 },
    ]);
    expect(ds.exemptions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'referenced_rows', constraint: 'payment_customer_fk' }),
        expect.objectContaining({ kind: 'referenced_rows', constraint: 'orders_customer_fk' }),
      ]),
    );
    // The referenced rows keep their key (payments and the cascading order survive); their
    // registered personal field is gone. Unregistered columns are not Finalité's to touch.
    expect(await crm.query(`SELECT id::int, email FROM customers ORDER BY id`)).toEqual([
      { id: 1, email: null },
      { id: 2, email: null },
      { id: 3, email: null },
    ]);
    expect(await crm.query(`SELECT count(*)::int AS n FROM payment`)).toEqual([{ n: 3 }]);
    expect(await crm.query(`SELECT count(*)::int AS n FROM orders`)).toEqual([{ n: 1 }]);

    // Once the order is gone, its customer is deleted by the next run.
    await crm.query(`DELETE FROM orders`);
    const again = await dpo()
      .post('/retention/runs')
      .send({ system: 'shop', dataset: 'public.customers', dryRun: false })
      .expect(202);
    const second = await waitForRun(t, again.body.id as string);
    expect(second.datasets[0]).toMatchObject({ status: 'completed', deleted: 1, anonymised: 0, errors: 0 });
    expect(second.datasets[0].kept).toEqual([{ reason: 'constraint:payment_customer_fk', rows: 2 }]);
    expect(await crm.query(`SELECT id::int FROM customers ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('purges what it can when a NOT NULL field is on nullify, and reports that field', async () => {
    await crm.query(`INSERT INTO contacts VALUES
      (1, 'k-1', 'k1@example.com', '+33100000001', 'K One', now() - interval '5 years'),
      (2, 'k-2', 'k2@example.com', '+33100000002', 'K Two', now() - interval '11 years'),
      (3, 'k-3', 'k3@example.com', '+33100000003', 'K Three', now() - interval '2 months')`);
    const created = await dpo()
      .post('/retention/runs')
      .send({ system: 'shop', dataset: 'public.contacts', dryRun: false })
      .expect(202);
    const run = await waitForRun(t, created.body.id as string);
    expect(run.status).toBe('completed');
    const ds = run.datasets[0];
    expect(ds).toMatchObject({ status: 'completed', deleted: 0, anonymised: 2, errors: 0, error: null });
    expect(ds.exemptions).toEqual([
      expect.objectContaining({
        kind: 'field_not_purgeable',
        fields: ['shop.contacts.phone'],
        reason: expect.stringContaining('NOT NULL'),
      }),
    ]);
    // k-2's phone is due (10 years) but cannot be nulled: kept, and counted.
    expect(ds.kept).toEqual([{ reason: 'field:shop.contacts.phone', rows: 1 }]);
    expect(await crm.query(`SELECT id, email, phone FROM contacts ORDER BY id`)).toEqual([
      { id: 1, email: null, phone: '+33100000001' },
      { id: 2, email: null, phone: '+33100000002' },
      { id: 3, email: 'k3@example.com', phone: '+33100000003' },
    ]);
  });

  it('says so when a field on nullify is registered over a NOT NULL column, and lists it in the gaps', async () => {
    await dpo().post('/systems/shop/scan').send({}).expect(200);
    // Registered before the scan: flagged as soon as the scan knows the column.
    const phone = await dpo().get('/fields/shop.contacts.phone').expect(200);
    expect(phone.body.flags).toContain('not_null_column_on_nullify');
    // Registered after: the answer to the registration says so.
    const ref = await dpo()
      .post('/fields')
      .send({ system: 'shop', dataset: 'public.contacts', column: 'ref', dataCategory: 'identity' })
      .expect(201);
    expect(ref.body.flags).toContain('not_null_column_on_nullify');
    // A nullable column, or a strategy that applies, is not flagged.
    const name = await dpo().get('/fields/shop.contacts.name').expect(200);
    expect(name.body.flags).not.toContain('not_null_column_on_nullify');
    const hashed = await dpo()
      .patch('/fields/shop.contacts.ref')
      .send({ anonymisation: { strategy: 'hash' } })
      .expect(200);
    expect(hashed.body.flags).not.toContain('not_null_column_on_nullify');

    const res = await t.as(Role.Auditor).get('/reports/gaps').buffer(true).parse(binary).expect(200);
    const doc = JSON.parse((res.body as Buffer).toString('utf8'));
    const flagged = doc.gaps
      .filter((g: { code: string }) => g.code === 'FIELD_STRATEGY_NOT_APPLICABLE')
      .map((g: { object: { id: string } }) => g.object.id);
    expect(flagged).toEqual(['shop.contacts.phone']);
  });
});
