import { Role } from '../../src/policies/role.enum';
import { createCrm, Crm, registerDataset } from '../utils/crm-fixture';
import { ensurePurposes } from '../utils/register-fixture';
import { waitForRun } from '../utils/retention-run-polling';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Issue 15, the per-dataset choice for referenced rows (ADR 0051), on a real PostgreSQL schema:
 * `customers` (registered first) is referenced by `orders`, both datasets of one system and both
 * wholly due. By default the customer row is anonymised and kept for its constraint; with
 * `referencedRows: purge_children_first` the run purges `orders` first and the customer row is
 * deleted. The setting is validated, returned and carried by the register document.
 */
describe('Retention: purge the registered child datasets first', () => {
  let t: TestApp;
  let crm: Crm;
  const dpo = () => t.as(Role.Dpo);
  const customers = '/systems/shop/datasets/public.customers';

  const insertRows = async (id: number) => {
    await crm.query(
      `INSERT INTO customers (id, customer_ref, email, name, postcode, created_at)
       VALUES ($1::int, 'c-' || $1::int, 'c' || $1::int || '@example.com', 'Name', '75011', now() - interval '5 years')`,
      [id],
    );
    await crm.query(
      `INSERT INTO orders (id, customer_id, note, created_at) VALUES ($1::int, $1::int, 'gift', now() - interval '5 years')`,
      [id],
    );
  };
  const runShop = async () => {
    const created = await dpo().post('/retention/runs').send({ system: 'shop', dryRun: false }).expect(202);
    const run = await waitForRun(t, created.body.id as string);
    expect(run.status).toBe('completed');
    return run;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { RETENTION_SCHEDULER: 'off' } });
    crm = await createCrm('children');
    await crm.query(`
      CREATE TABLE orders (
        id bigint PRIMARY KEY,
        customer_id bigint NOT NULL CONSTRAINT orders_customer_fk REFERENCES customers (id),
        note text,
        created_at timestamptz NOT NULL
      )`);
    await ensurePurposes(t, [
      {
        code: 'promo.campaign',
        legalBasis: 'contract',
        retention: { duration: 'P1Y', trigger: 'collection' },
      },
    ]);
    // Registered first, and first by name: without the setting, the parent is purged first.
    await registerDataset(t, crm, {
      systemCode: 'shop',
      name: 'public.customers',
      subjectColumn: 'customer_ref',
      timestampColumns: { collection: 'created_at' },
      fields: [['email', 'contact', { strategy: 'nullify' }, ['promo.campaign']]],
    });
    await registerDataset(t, crm, {
      systemCode: 'shop',
      name: 'public.orders',
      timestampColumns: { collection: 'created_at' },
      fields: [['note', 'other', { strategy: 'nullify' }, ['promo.campaign']]],
    });
  });
  afterAll(async () => {
    await t?.close();
    await crm?.close();
  });

  it('validates the setting and returns it (anonymise by default)', async () => {
    expect((await dpo().get(customers).expect(200)).body.referencedRows).toBe('anonymise');
    const invalid = await dpo().patch(customers).send({ referencedRows: 'cascade' }).expect(400);
    expect(invalid.body.error).toBe('VALIDATION_FAILED');
    expect(invalid.body.details).toEqual([expect.objectContaining({ property: 'referencedRows' })]);
    await dpo()
      .post('/systems/shop/datasets')
      .send({ name: 'public.other', primaryKey: ['id'], referencedRows: 'delete' })
      .expect(400);
  });

  it('by default anonymises the referenced customer and deletes the order', async () => {
    await insertRows(1);
    const run = await runShop();
    expect(run.datasets.map((d) => d.dataset)).toEqual(['public.customers', 'public.orders']);
    const [parent, child] = run.datasets;
    expect(parent).toMatchObject({ status: 'completed', deleted: 0, anonymised: 1, errors: 0 });
    expect(parent.kept).toEqual([{ reason: 'constraint:orders_customer_fk', rows: 1 }]);
    expect(child).toMatchObject({ status: 'completed', deleted: 1, anonymised: 0, errors: 0 });
    expect(await crm.query(`SELECT id::int, email FROM customers`)).toEqual([{ id: 1, email: null }]);
    expect(await crm.query(`SELECT count(*)::int AS n FROM orders`)).toEqual([{ n: 0 }]);
  });

  it('with purge_children_first deletes the order, then the customer nothing references any more', async () => {
    const set = await dpo().patch(customers).send({ referencedRows: 'purge_children_first' }).expect(200);
    expect(set.body.referencedRows).toBe('purge_children_first');
    // Fresh rows only: the customer the previous run kept is not this test's.
    await crm.query(`DELETE FROM customers`);
    await insertRows(2);
    const run = await runShop();
    expect(run.datasets.map((d) => d.dataset)).toEqual(['public.orders', 'public.customers']);
    const [child, parent] = run.datasets;
    expect(child).toMatchObject({ status: 'completed', deleted: 1, anonymised: 0, errors: 0 });
    expect(parent).toMatchObject({ status: 'completed', deleted: 1, anonymised: 0, errors: 0 });
    expect(parent.kept).toEqual([]);
    expect(await crm.query(`SELECT count(*)::int AS n FROM customers`)).toEqual([{ n: 0 }]);
    expect(await crm.query(`SELECT count(*)::int AS n FROM orders`)).toEqual([{ n: 0 }]);
  });

  it('is carried by the register document: exported, re-imported unchanged, changed by an import', async () => {
    type Doc = { systems: { code: string; datasets: { name: string; referencedRows?: string }[] }[] };
    const exported = async () =>
      (await dpo().get('/register/export').query({ format: 'json' }).expect(200)).body as Doc;
    const doc = await exported();
    const shop = doc.systems.find((s) => s.code === 'shop')!;
    const [parent, child] = shop.datasets;
    expect(parent).toMatchObject({ name: 'public.customers', referencedRows: 'purge_children_first' });
    // The default is left out of the document.
    expect(child.name).toBe('public.orders');
    expect(child).not.toHaveProperty('referencedRows');
    const same = await dpo().post('/register/import').query({ dryRun: 'true' }).send(doc).expect(200);
    expect(same.body.diff.datasets).toMatchObject({ created: [], changed: [] });

    child.referencedRows = 'purge_children_first';
    delete parent.referencedRows;
    await dpo().post('/register/import').send(doc).expect(200);
    expect((await dpo().get(customers).expect(200)).body.referencedRows).toBe('anonymise');
    const orders = await dpo().get('/systems/shop/datasets/public.orders').expect(200);
    expect(orders.body.referencedRows).toBe('purge_children_first');
    expect((await exported()).systems.find((s) => s.code === 'shop')!.datasets[1].referencedRows).toBe(
      'purge_children_first',
    );

    child.referencedRows = 'later';
    const invalid = await dpo().post('/register/import').query({ dryRun: 'true' }).send(doc).expect(422);
    expect(JSON.stringify(invalid.body.details)).toContain('referencedRows');
  });
});
