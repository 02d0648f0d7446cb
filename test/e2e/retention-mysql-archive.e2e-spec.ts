import type { RetentionRunResponseDto } from '../../src/modules/retention/dto/retention-run.dto';
import { Role } from '../../src/policies/role.enum';
import {
  archiveLedger,
  archiveLedgerCount,
  archiveMovesByBatch,
  archivedSubjectsOfRun,
  CONTRACT_FIELDS,
  createMysqlArchiveTable,
  createMysqlCustomersTable,
  declareArchiveTable,
  SALES_CONTRACT_PURPOSE,
  SALES_STATS_PURPOSE,
  STATS_POSTCODE_FIELD,
} from '../utils/archive-fixture';
import { createMysqlDb, MysqlDb, registerMysqlDataset } from '../utils/mysql-fixture';
import { ensurePurposes } from '../utils/register-fixture';
import { crashBeforeBatchRecord } from '../utils/retention-crash';
import { preparedBatches, runRetention, startRetentionRun, waitForRun } from '../utils/retention-run-polling';
import { until } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Issue 16, the intermediate archive on a real MariaDB database (ADR 0052, as
 * retention-archive.e2e-spec.ts on PostgreSQL): "3 years active after the last contact, then 5
 * years in intermediate archive, then deletion". Time is simulated through the data (trigger
 * dates in the past, an archive_until moved back), never the clock; every figure is checked
 * against MariaDB's own rows.
 */
describe('Retention: the intermediate archive phase (MySQL/MariaDB)', () => {
  let t: TestApp;
  let db: MysqlDb;
  let dataset: string;
  let archive: string;
  let purposeId: string;
  const dpo = () => t.as(Role.Dpo);
  const run = (dryRun = false): Promise<RetentionRunResponseDto> =>
    runRetention(t, { system: 'shop', dataset, dryRun });
  const ledger = () => archiveLedger(t);
  const archivedRows = () =>
    db.query<{ id: string; customer_ref: string; email: string | null; name: string | null }>(
      `SELECT CAST(id AS CHAR) AS id, customer_ref, email, name FROM archive_customers ORDER BY id`,
    );

  beforeAll(async () => {
    t = await startTestApp({
      env: { RETENTION_SCHEDULER: 'off', RETENTION_MYSQL_BATCH_SIZE: '2', RETENTION_LEASE_MS: '1000' },
    });
    db = await createMysqlDb('archive');
    await createMysqlCustomersTable(db, 'customers', { withPostcode: true });
    await db.query(`
      CREATE TABLE orders (
        id BIGINT NOT NULL PRIMARY KEY,
        customer_id BIGINT NULL,
        CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
      ) ENGINE = InnoDB`);
    await ensurePurposes(t, [SALES_CONTRACT_PURPOSE, SALES_STATS_PURPOSE]);
    purposeId = (await dpo().get('/purposes/sales.contract').expect(200)).body.id as string;
    ({ dataset } = await registerMysqlDataset(t, db, {
      systemCode: 'shop',
      table: 'customers',
      primaryKey: ['id'],
      subjectColumn: 'customer_ref',
      timestampColumns: { lastInteraction: 'last_interaction', collection: 'created_at' },
      fields: [...CONTRACT_FIELDS, STATS_POSTCODE_FIELD],
    }));
    archive = `${db.name}.archive_customers`;
  });
  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  it('accepts an archive table on a mysql dataset (API and register document) and refuses a missing or different one, giving the MySQL DDL to run', async () => {
    await declareArchiveTable(t, 'shop', dataset, archive);
    type Doc = { systems: { code: string; datasets: { name: string; archive?: unknown }[] }[] };
    const doc = (await dpo().get('/register/export').query({ format: 'json' }).expect(200)).body as Doc;
    expect(doc.systems.find((s) => s.code === 'shop')!.datasets[0].archive).toEqual({ table: archive });
    const same = await dpo().post('/register/import').query({ dryRun: 'true' }).send(doc).expect(200);
    expect(same.body.diff.datasets).toMatchObject({ created: [], changed: [] });

    const missing = await run();
    expect(missing.datasets[0].status).toBe('failed');
    expect(missing.datasets[0].error).toContain(`archive table ${archive} does not exist`);
    expect(missing.datasets[0].error).toMatch(
      new RegExp(
        `CREATE TABLE ${db.name}\\.archive_customers \\(id bigint(\\(20\\))? NOT NULL, customer_ref varchar\\(64\\) NULL, email varchar\\(255\\) NULL, name varchar\\(100\\) NULL, active_ended_at DATETIME\\(6\\) NOT NULL, archive_until DATETIME\\(6\\) NOT NULL, PRIMARY KEY \\(id\\), KEY \\(customer_ref\\), KEY \\(archive_until\\)\\) ENGINE = InnoDB`,
      ),
    );
    const ddl = /create it with: (CREATE TABLE .+?) \(docs\/retention-archive\.md\)/.exec(
      missing.datasets[0].error!,
    )![1];

    // A table that does not match is refused too, naming what differs; nothing moved or purged.
    await db.query(
      `CREATE TABLE archive_customers (id BIGINT NOT NULL PRIMARY KEY, customer_ref VARCHAR(64), email VARCHAR(100),
         active_ended_at DATE NOT NULL, archive_until DATETIME NOT NULL) ENGINE = InnoDB`,
    );
    const mismatch = await run();
    expect(mismatch.datasets[0].error).toContain(`archive table ${archive} does not match:`);
    expect(mismatch.datasets[0].error).toContain('column email is varchar(100), not varchar(255)');
    expect(mismatch.datasets[0].error).toContain('column name is missing');
    expect(mismatch.datasets[0].error).toContain('column active_ended_at must be DATETIME or TIMESTAMP');
    await db.query(`DROP TABLE archive_customers`);
    // The DDL the message gives is what the DBA runs.
    await db.query(ddl);
  });

  it('moves the due values to the archive and deletes or anonymises the active rows in one run (a dry run first says so), then deletes them from the archive when the phase ends, held subjects excepted', async () => {
    await db.query(
      `INSERT INTO customers (id, customer_ref, email, name, postcode, created_at, last_interaction) VALUES
        (1, 'c-1', 'c1@example.com', 'One', '75011', UTC_TIMESTAMP() - INTERVAL 10 YEAR, UTC_TIMESTAMP() - INTERVAL 4 YEAR),
        (2, 'c-2', 'c2@example.com', 'Two', '75011', UTC_TIMESTAMP() - INTERVAL 10 YEAR, UTC_TIMESTAMP() - INTERVAL 1 YEAR),
        (3, 'c-3', 'c3@example.com', 'Three', '75011', UTC_TIMESTAMP() - INTERVAL 12 YEAR, UTC_TIMESTAMP() - INTERVAL 9 YEAR),
        (4, 'c-4', 'c4@example.com', 'Four', '75011', UTC_TIMESTAMP() - INTERVAL 10 YEAR, UTC_TIMESTAMP() - INTERVAL 4 YEAR),
        (5, 'c-5', 'c5@example.com', 'Five', '75011', UTC_TIMESTAMP() - INTERVAL 10 YEAR, UTC_TIMESTAMP() - INTERVAL 5 YEAR)`,
    );
    // c-4 has an order: its row keeps its key, its personal fields move and are anonymised.
    await db.query(`INSERT INTO orders VALUES (1, 4)`);

    // A dry run counts what would move and changes nothing.
    const dry = await run(true);
    expect(dry.datasets[0]).toMatchObject({ status: 'completed', deleted: 3, anonymised: 2, archived: 3 });
    expect(await archivedRows()).toEqual([]);

    const first = await run();
    expect(first.status).toBe('completed');
    // c-1, c-5: moved and deleted; c-3: its archive phase is over too (9 > 3 + 5 years), deleted
    // without a copy; c-4: moved and anonymised (referenced); c-2: still active (postcode only).
    expect(first.datasets[0]).toMatchObject({
      status: 'completed',
      deleted: 3,
      anonymised: 2,
      archived: 3,
      archiveDeleted: 0,
      errors: 0,
    });
    expect(
      await db.query(
        `SELECT CAST(id AS CHAR) AS id, customer_ref, email, name, postcode FROM customers ORDER BY id`,
      ),
    ).toEqual([
      { id: '2', customer_ref: 'c-2', email: 'c2@example.com', name: 'Two', postcode: null },
      { id: '4', customer_ref: 'c-4', email: null, name: null, postcode: null },
    ]);
    // The phase dates: the active phase ended 3 years after the last contact, the archive ends 5 years later.
    expect(
      await db.query(
        `SELECT CAST(id AS CHAR) AS id, customer_ref, email, name,
                CAST(ROUND(DATEDIFF(UTC_TIMESTAMP(), active_ended_at) / 365.25) AS CHAR) AS active_years,
                CAST(ROUND(DATEDIFF(archive_until, UTC_TIMESTAMP()) / 365.25) AS CHAR) AS archive_years
           FROM archive_customers ORDER BY id`,
      ),
    ).toEqual([
      {
        id: '1',
        customer_ref: 'c-1',
        email: 'c1@example.com',
        name: 'One',
        active_years: '1',
        archive_years: '4',
      },
      {
        id: '4',
        customer_ref: 'c-4',
        email: 'c4@example.com',
        name: 'Four',
        active_years: '1',
        archive_years: '4',
      },
      {
        id: '5',
        customer_ref: 'c-5',
        email: 'c5@example.com',
        name: 'Five',
        active_years: '2',
        archive_years: '3',
      },
    ]);
    expect((await ledger()).map((l) => [l.subject_id, l.purpose_id])).toEqual([
      ['c-1', purposeId],
      ['c-4', purposeId],
      ['c-5', purposeId],
    ]);

    // Nothing is copied twice: a second run finds nothing more to move.
    const again = await run();
    expect(again.datasets[0]).toMatchObject({ status: 'completed', deleted: 0, anonymised: 0, archived: 0 });
    expect(await archivedRows()).toHaveLength(3);

    // Once its order is gone, c-4's anonymised row is deleted: its values already moved, nothing
    // is copied or counted again, and the archive keeps the values it first received.
    await db.query(`DELETE FROM orders`);
    const later = await run();
    expect(later.datasets[0]).toMatchObject({ status: 'completed', deleted: 1, archived: 0 });
    expect((await archivedRows()).find((r) => r.id === '4')).toMatchObject({
      email: 'c4@example.com',
      name: 'Four',
    });

    // Five years pass for c-1 and c-4; c-4 is under a legal hold: its archived values stay.
    await db.query(
      `UPDATE archive_customers SET archive_until = UTC_TIMESTAMP() - INTERVAL 1 DAY WHERE id IN (1, 4)`,
    );
    await dpo()
      .post('/legal-holds')
      .send({ scope: 'subject', subjectId: 'c-4', reason: 'Litigation 2026-CV-201' })
      .expect(201);
    const dryExpiry = await run(true);
    expect(dryExpiry.datasets[0]).toMatchObject({ status: 'completed', archived: 0, archiveDeleted: 1 });
    const expiry = await run();
    expect(expiry.datasets[0]).toMatchObject({
      status: 'completed',
      archived: 0,
      archiveDeleted: 1,
      errors: 0,
    });
    expect((await archivedRows()).map((r) => r.id)).toEqual(['4', '5']);
    expect((await ledger()).map((l) => l.subject_id)).toEqual(['c-4', 'c-5']);
  });

  it('then answers ARCHIVED for a subject whose values the mysql engine moved, and a subject still active is not affected', async () => {
    const EMAIL = `shop.${dataset}.email`;
    await t.authoriseApplication(['sales.contract']);
    const check = (subjectId: string) =>
      t
        .as(Role.Application)
        .post('/access/check')
        .send({ purpose: 'sales.contract', action: 'read', fields: [EMAIL], subjectId })
        .expect(200);
    expect((await check('c-5')).body.fields[0]).toMatchObject({ allowed: false, reason: 'ARCHIVED' });
    expect((await check('c-2')).body.fields[0].reason).not.toBe('ARCHIVED');
  });
  it('records a batch that moved values and crashed before its record once, ledger included (finalite_purge_ledger)', async () => {
    await createMysqlCustomersTable(db, 'vault_customers', { withPostcode: false });
    await createMysqlArchiveTable(db, 'vault_archive');
    // Four rows to move (4 years since the last contact), two still active.
    for (let i = 1; i <= 6; i++) {
      await db.query(`INSERT INTO vault_customers VALUES (?, ?, ?, ?, UTC_TIMESTAMP() - INTERVAL ? DAY)`, [
        i,
        `v-${i}`,
        `v${i}@example.com`,
        `V ${i}`,
        i <= 4 ? 4 * 365 : 10,
      ]);
    }
    const { datasetId, dataset: vault } = await registerMysqlDataset(t, db, {
      systemCode: 'vault',
      table: 'vault_customers',
      primaryKey: ['id'],
      subjectColumn: 'customer_ref',
      timestampColumns: { lastInteraction: 'last_interaction' },
      fields: CONTRACT_FIELDS,
    });
    await declareArchiveTable(t, 'vault', vault, `${db.name}.vault_archive`);

    // The worker "dies" between the customer COMMIT of batch 1 and its record in Finalité.
    await crashBeforeBatchRecord.arm(t);
    let runId: string;
    try {
      runId = await startRetentionRun(t, { system: 'vault', dryRun: false });
      await until('a prepared batch whose customer transaction moved and deleted', async () => {
        const b = await preparedBatches(t, runId);
        const [c] = await db.query<{ n: string }>(`SELECT CAST(COUNT(*) AS CHAR) AS n FROM vault_archive`);
        return b.n === 1 && b.released && c.n === '2';
      });
      // Moved and deleted in MariaDB, not yet in Finalité's ledger.
      expect(await db.query(`SELECT CAST(COUNT(*) AS CHAR) AS n FROM vault_customers`)).toEqual([{ n: '4' }]);
      expect(await archiveLedgerCount(t, datasetId)).toBe(0);
    } finally {
      await crashBeforeBatchRecord.disarm(t);
    }

    const resumed = await waitForRun(t, runId);
    expect(resumed.status).toBe('completed');
    expect(resumed.datasets[0]).toMatchObject({ status: 'completed', deleted: 4, archived: 4, errors: 0 });
    expect(
      await db.query(`SELECT CAST(id AS CHAR) AS id, email, name FROM vault_archive ORDER BY id`),
    ).toEqual([1, 2, 3, 4].map((id) => ({ id: String(id), email: `v${id}@example.com`, name: `V ${id}` })));
    const batches = await archiveMovesByBatch(t, runId);
    expect(batches.every((b) => b.state === 'committed')).toBe(true);
    expect(batches[0]).toMatchObject({ seq: 1, moved: 2 });
    expect(batches.reduce((n, b) => n + (b.moved ?? 0), 0)).toBe(4);
    expect(await archivedSubjectsOfRun(t, datasetId, runId)).toEqual(['v-1', 'v-2', 'v-3', 'v-4']);
  });
});
