import { Role } from '../../src/policies/role.enum';
import { ensurePurposes } from '../utils/register-fixture';
import { waitForRun } from '../utils/retention-run-polling';
import { createMysqlDb, MysqlDb, registerMysqlDataset } from '../utils/mysql-fixture';
import { queryRows } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * ADR 0051 on MySQL/MariaDB (issue 16): a wholly due row that other rows reference is anonymised,
 * not deleted, counted per constraint and never fails the run; a NOT NULL column on `nullify`
 * is left and reported while the rest is purged; contacts recorded in Finalité restart a
 * `last_interaction` clock. Counts are checked against the customer database's own rows.
 */
describe('Retention on MySQL: referenced rows, NOT NULL fields and recorded contacts (ADR 0051)', () => {
  let t: TestApp;
  let db: MysqlDb;
  const dpo = () => t.as(Role.Dpo);
  const app = () => t.as(Role.Application);

  const run = async (dataset: string) => {
    const created = await dpo()
      .post('/retention/runs')
      .send({ system: 'shop', dataset, dryRun: false })
      .expect(202);
    return waitForRun(t, created.body.id as string);
  };
  /** The kept counts Finalité's ledger recorded, batch by batch, summed per reason. */
  const ledgerKept = async (runId: string) => {
    const rows = await queryRows<{ rows_kept: Record<string, number> }>(
      t.databaseUrl!,
      `SELECT rows_kept FROM purge_batch WHERE run_id = $1 AND state = 'committed'`,
      [runId],
    );
    const sum: Record<string, number> = {};
    for (const r of rows) for (const [k, n] of Object.entries(r.rows_kept)) sum[k] = (sum[k] ?? 0) + n;
    return sum;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { RETENTION_SCHEDULER: 'off', RETENTION_MYSQL_BATCH_SIZE: '3' } });
    db = await createMysqlDb('references');
    await db.query(`CREATE TABLE customers (
      id BIGINT NOT NULL PRIMARY KEY, customer_ref VARCHAR(64) NOT NULL, email VARCHAR(255) NULL,
      created_at DATETIME NOT NULL) ENGINE = InnoDB`);
    await db.query(`CREATE TABLE payment (
      id BIGINT NOT NULL, paid_at DATE NOT NULL, amount INT NOT NULL, customer_id BIGINT NOT NULL,
      PRIMARY KEY (id, paid_at),
      CONSTRAINT payment_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)) ENGINE = InnoDB`);
    await db.query(`CREATE TABLE orders (
      id BIGINT NOT NULL PRIMARY KEY, customer_id BIGINT NULL,
      CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
    ) ENGINE = InnoDB`);
    await db.query(`CREATE TABLE contacts (
      id INT NOT NULL PRIMARY KEY, ref VARCHAR(64) NOT NULL, email VARCHAR(255) NULL,
      phone VARCHAR(32) NOT NULL, name VARCHAR(100) NULL, created_at DATETIME NOT NULL) ENGINE = InnoDB`);
    await db.query(`CREATE TABLE prospects (
      id INT NOT NULL PRIMARY KEY, ref VARCHAR(64) NOT NULL, email VARCHAR(255) NULL,
      last_contact DATETIME NULL) ENGINE = InnoDB`);
    await db.query(`CREATE TABLE referrals (
      id INT NOT NULL PRIMARY KEY, ref VARCHAR(64) NOT NULL, email VARCHAR(255) NULL,
      created_at DATETIME NOT NULL, parent_id INT NULL,
      CONSTRAINT referrals_parent_fk FOREIGN KEY (parent_id) REFERENCES referrals (id)) ENGINE = InnoDB`);
    await ensurePurposes(t, [
      {
        code: 'promo.campaign',
        legalBasis: 'contract',
        retention: { duration: 'P1Y', trigger: 'collection' },
      },
      {
        code: 'archive.registry',
        legalBasis: 'legal_obligation',
        retention: { duration: 'P30Y', trigger: 'collection' },
      },
    ]);
    const collection = { collection: 'created_at' };
    await registerMysqlDataset(t, db, {
      systemCode: 'shop',
      table: 'customers',
      primaryKey: ['id'],
      subjectColumn: 'customer_ref',
      timestampColumns: collection,
      fields: [['email', 'contact', { strategy: 'nullify' }, ['promo.campaign']]],
    });
    await registerMysqlDataset(t, db, {
      systemCode: 'shop',
      table: 'contacts',
      primaryKey: ['id'],
      subjectColumn: 'ref',
      timestampColumns: collection,
      fields: [
        ['email', 'contact', { strategy: 'nullify' }, ['promo.campaign']],
        ['phone', 'contact', { strategy: 'nullify' }, ['billing.records']],
        ['name', 'identity', { strategy: 'nullify' }, ['archive.registry']],
      ],
    });
    await registerMysqlDataset(t, db, {
      systemCode: 'shop',
      table: 'prospects',
      primaryKey: ['id'],
      subjectColumn: 'ref',
      timestampColumns: { lastInteraction: 'last_contact' },
      fields: [['email', 'contact', { strategy: 'nullify' }, ['marketing.newsletter']]],
    });
    await registerMysqlDataset(t, db, {
      systemCode: 'shop',
      table: 'referrals',
      primaryKey: ['id'],
      subjectColumn: 'ref',
      timestampColumns: collection,
      fields: [['email', 'contact', { strategy: 'nullify' }, ['promo.campaign']]],
    });
    await t.authoriseApplication(['marketing.newsletter']);
  });
  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  it('anonymises referenced rows instead of deleting them, per constraint, and completes the run', async () => {
    const fiveYearsAgo = new Date(Date.now() - 5 * 365 * 86_400_000);
    await db.query(`INSERT INTO customers (id, customer_ref, email, created_at) VALUES ?`, [
      [1, 2, 3, 4, 5, 6].map((i) => [i, `c-${i}`, `c${i}@example.com`, fiveYearsAgo]),
    ]);
    await db.query(
      `INSERT INTO payment VALUES (1, '2022-01-10', 100, 1), (2, '2022-01-11', 50, 2), (3, '2022-01-12', 20, 2)`,
    );
    await db.query(`INSERT INTO orders VALUES (1, 3)`);

    const first = await run(`${db.name}.customers`);
    expect(first.status).toBe('completed');
    const ds = first.datasets[0];
    expect(ds).toMatchObject({ status: 'completed', deleted: 3, anonymised: 3, errors: 0, error: null });
    expect(ds.kept).toEqual([
      { reason: 'constraint:orders_customer_fk', rows: 1 },
      { reason: 'constraint:payment_customer_fk', rows: 2 },
    ]);
    expect(await ledgerKept(first.id)).toEqual({
      'constraint:orders_customer_fk': 1,
      'constraint:payment_customer_fk': 2,
    });
    expect(ds.exemptions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'referenced_rows', constraint: 'payment_customer_fk' }),
        expect.objectContaining({ kind: 'referenced_rows', constraint: 'orders_customer_fk' }),
      ]),
    );
    // The referenced rows keep their key (payments and the cascading order survive); their
    // registered personal field is gone.
    const rows = await db.query<{ id: number; email: string | null }>(
      `SELECT id, email FROM customers ORDER BY id`,
    );
    expect(rows.map((r) => [Number(r.id), r.email])).toEqual([
      [1, null],
      [2, null],
      [3, null],
    ]);
    expect(Number((await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM payment`))[0].n)).toBe(3);
    expect(Number((await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM orders`))[0].n)).toBe(1);

    // Once the order is gone, its customer is deleted by the next run.
    await db.query(`DELETE FROM orders`);
    const second = await run(`${db.name}.customers`);
    expect(second.datasets[0]).toMatchObject({ status: 'completed', deleted: 1, anonymised: 0, errors: 0 });
    expect(second.datasets[0].kept).toEqual([{ reason: 'constraint:payment_customer_fk', rows: 2 }]);
    const left = await db.query<{ id: number }>(`SELECT id FROM customers ORDER BY id`);
    expect(left.map((r) => Number(r.id))).toEqual([1, 2]);
  });

  it('purges what it can when a NOT NULL field is on nullify, and reports that field', async () => {
    await db.query(`INSERT INTO contacts VALUES
      (1, 'k-1', 'k1@example.com', '+33100000001', 'K One', UTC_TIMESTAMP() - INTERVAL 5 YEAR),
      (2, 'k-2', 'k2@example.com', '+33100000002', 'K Two', UTC_TIMESTAMP() - INTERVAL 11 YEAR),
      (3, 'k-3', 'k3@example.com', '+33100000003', 'K Three', UTC_TIMESTAMP() - INTERVAL 2 MONTH)`);
    const done = await run(`${db.name}.contacts`);
    expect(done.status).toBe('completed');
    const ds = done.datasets[0];
    expect(ds).toMatchObject({ status: 'completed', deleted: 0, anonymised: 2, errors: 0, error: null });
    const phone = `shop.${db.name}.contacts.phone`;
    expect(ds.exemptions).toEqual([
      expect.objectContaining({
        kind: 'field_not_purgeable',
        fields: [phone],
        reason: expect.stringContaining('NOT NULL'),
      }),
    ]);
    // k-2's phone is due (10 years) but cannot be nulled: kept, and counted.
    expect(ds.kept).toEqual([{ reason: `field:${phone}`, rows: 1 }]);
    expect(await ledgerKept(done.id)).toEqual({ [`field:${phone}`]: 1 });
    expect(await db.query(`SELECT id, email, phone FROM contacts ORDER BY id`)).toEqual([
      { id: 1, email: null, phone: '+33100000001' },
      { id: 2, email: null, phone: '+33100000002' },
      { id: 3, email: 'k3@example.com', phone: '+33100000003' },
    ]);
  });

  it('a consent granted or an interaction recorded in Finalité restarts the last_interaction clock', async () => {
    await db.query(`INSERT INTO prospects VALUES
      (1, 'p-1', 'p-1@example.com', UTC_TIMESTAMP() - INTERVAL 4 YEAR),
      (2, 'p-2', 'p-2@example.com', UTC_TIMESTAMP() - INTERVAL 4 YEAR),
      (3, 'p-3', 'p-3@example.com', UTC_TIMESTAMP() - INTERVAL 4 YEAR)`);
    await app()
      .post('/subjects/p-1/consents')
      .send({ purpose: 'marketing.newsletter', status: 'granted', source: 'newsletter-form' })
      .expect(201);
    await app()
      .post('/subjects/p-3/interactions')
      .send({ kind: 'purchase', source: 'web-shop/checkout' })
      .expect(201);
    const overdue = await t.as(Role.Auditor).get('/retention/overdue').expect(200);
    const item = overdue.body.items.find((i: { dataset: string }) => i.dataset === `${db.name}.prospects`);
    expect(item).toMatchObject({ error: null, dueRows: 1 });

    const done = await run(`${db.name}.prospects`);
    expect(done.datasets[0]).toMatchObject({ status: 'completed', scanned: 3, deleted: 1, errors: 0 });
    const left = await db.query<{ ref: string; email: string }>(
      `SELECT ref, email FROM prospects ORDER BY id`,
    );
    expect(left).toEqual([
      { ref: 'p-1', email: 'p-1@example.com' },
      { ref: 'p-3', email: 'p-3@example.com' },
    ]);
  });

  it('refuses a table referenced by its own rows, saying why, and changes nothing', async () => {
    await db.query(`INSERT INTO referrals VALUES
      (1, 'r-1', 'r1@example.com', UTC_TIMESTAMP() - INTERVAL 5 YEAR, NULL),
      (2, 'r-2', 'r2@example.com', UTC_TIMESTAMP() - INTERVAL 5 YEAR, 1)`);
    const done = await run(`${db.name}.referrals`);
    expect(done.datasets[0].status).toBe('failed');
    expect(done.datasets[0].error).toMatch(/^refused: foreign key referrals_parent_fk references .* itself/);
    expect(Number((await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM referrals`))[0].n)).toBe(2);
  });
  it('leaves an ON UPDATE CURRENT_TIMESTAMP trigger date as it was when it anonymises (the clock is not restarted)', async () => {
    // Sakila's `last_update`: MySQL would move it to now on the batch's own UPDATE, and a row
    // anonymised today would then stay undeletable for the whole duration again.
    await db.query(`CREATE TABLE members (
      id INT NOT NULL PRIMARY KEY, ref VARCHAR(64) NOT NULL, email VARCHAR(255) NULL, name VARCHAR(100) NULL,
      created_at DATETIME NOT NULL,
      last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP) ENGINE = InnoDB`);
    await registerMysqlDataset(t, db, {
      systemCode: 'shop',
      table: 'members',
      primaryKey: ['id'],
      subjectColumn: 'ref',
      timestampColumns: { collection: 'created_at', lastInteraction: 'last_update' },
      fields: [
        ['name', 'identity', { strategy: 'nullify' }, ['promo.campaign']],
        ['email', 'contact', { strategy: 'nullify' }, ['marketing.newsletter']],
      ],
    });
    await db.query(`INSERT INTO members VALUES
      (1, 'm-1', 'm1@example.com', 'Ann', UTC_TIMESTAMP() - INTERVAL 5 YEAR, '2025-06-01 10:00:00')`);
    const done = await run(`${db.name}.members`);
    expect(done.datasets[0]).toMatchObject({ status: 'completed', anonymised: 1, deleted: 0, errors: 0 });
    const rows = await db.query<{ name: string | null; email: string; last_update: string }>(
      `SELECT name, email, DATE_FORMAT(last_update, '%Y-%m-%d %H:%i:%s') AS last_update FROM members`,
    );
    expect(rows).toEqual([{ name: null, email: 'm1@example.com', last_update: '2025-06-01 10:00:00' }]);
  });
  it('deletes a Sakila-shaped chain in one run: payments, then rentals, then the customers (purge_children_first)', async () => {
    // customer ← rental ← payment, as in Sakila; customer and rental both purge their children
    // first, and the customer (its key is the subject) goes after the rental it is referenced by.
    await db.query(`CREATE TABLE s_customer (
      customer_id INT NOT NULL PRIMARY KEY, email VARCHAR(255) NULL,
      last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP) ENGINE = InnoDB`);
    await db.query(`CREATE TABLE s_rental (
      rental_id INT NOT NULL PRIMARY KEY, rental_date DATETIME NOT NULL, return_date DATETIME NULL,
      customer_id INT NOT NULL,
      CONSTRAINT s_rental_customer FOREIGN KEY (customer_id) REFERENCES s_customer (customer_id)) ENGINE = InnoDB`);
    await db.query(`CREATE TABLE s_payment (
      payment_id INT NOT NULL PRIMARY KEY, customer_id INT NOT NULL, rental_id INT NULL,
      amount DECIMAL(5,2) NOT NULL, payment_date DATETIME NOT NULL,
      CONSTRAINT s_payment_customer FOREIGN KEY (customer_id) REFERENCES s_customer (customer_id),
      CONSTRAINT s_payment_rental FOREIGN KEY (rental_id) REFERENCES s_rental (rental_id) ON DELETE SET NULL
    ) ENGINE = InnoDB`);
    const register = (table: string, primaryKey: string, dates: Record<string, string>, column: string) =>
      registerMysqlDataset(t, db, {
        systemCode: 'rentals',
        table,
        primaryKey: [primaryKey],
        subjectColumn: 'customer_id',
        timestampColumns: dates,
        fields: [[column, 'contact', { strategy: 'fixed', value: '0' }, ['promo.campaign']]],
      });
    // Registered parent first, so that name or registration order would purge it too early.
    const customers = await register('s_customer', 'customer_id', { collection: 'last_update' }, 'email');
    const rentals = await register('s_rental', 'rental_id', { collection: 'rental_date' }, 'return_date');
    await register('s_payment', 'payment_id', { collection: 'payment_date' }, 'amount');
    for (const d of [customers, rentals]) {
      await dpo()
        .patch(`/systems/rentals/datasets/${d.dataset}`)
        .send({ referencedRows: 'purge_children_first' })
        .expect(200);
    }
    await db.query(`INSERT INTO s_customer VALUES (1, 'a@example.com', '2006-02-15 04:57:20'),
      (2, 'b@example.com', '2006-02-15 04:57:20')`);
    await db.query(`INSERT INTO s_rental VALUES (1, '2005-05-24 22:53:30', '2005-05-26 22:04:30', 1),
      (2, '2005-05-24 22:54:33', NULL, 2)`);
    await db.query(`INSERT INTO s_payment VALUES (1, 1, 1, 2.99, '2005-05-25 11:30:37'),
      (2, 2, 2, 0.99, '2005-05-28 10:35:23'), (3, 2, NULL, 5.99, '2005-06-15 00:54:12')`);

    const created = await dpo()
      .post('/retention/runs')
      .send({ system: 'rentals', dryRun: false })
      .expect(202);
    const done = await waitForRun(t, created.body.id as string);
    expect(done.status).toBe('completed');
    expect(done.datasets.map((d: { dataset: string }) => d.dataset)).toEqual([
      `${db.name}.s_payment`,
      `${db.name}.s_rental`,
      `${db.name}.s_customer`,
    ]);
    expect(done.totals).toMatchObject({ deleted: 7, anonymised: 0 });
    const count = async (table: string) =>
      Number((await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
    expect([await count('s_payment'), await count('s_rental'), await count('s_customer')]).toEqual([0, 0, 0]);
  });
});
