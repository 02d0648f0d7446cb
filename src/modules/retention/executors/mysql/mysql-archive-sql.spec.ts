import { datasetPlan, planField, purgeInputs } from '../../../../../test/factories/retention-plan.factory';
import { buildDatasetRule, PurposeFacts } from '../../retention-rule';
import { mysqlArchiveDdl, mysqlArchiveProblems } from './mysql-archive-check';
import { buildMysqlArchiveRemaining } from './mysql-archive-sql';
import { buildMysqlDryRunBatch, buildMysqlPurgeBatch } from './mysql-purge-sql';
import type { MysqlColumnFacts, MysqlStatement, MysqlTableFacts } from './mysql-sql-builder';

/** ADR 0052 in the mysql builder (issue 16): the move, the expiry, the plan-time check. */

const REASON = 'Limitation period (art. 2224 Code civil)';
const PURPOSE_ID = '00000000-0000-4000-8000-000000000001';

const purposes = new Map<string, PurposeFacts>([
  [
    'sales.contract',
    {
      id: PURPOSE_ID,
      code: 'sales.contract',
      status: 'active',
      legalBasis: 'contract',
      retention: {
        duration: 'P3Y',
        trigger: 'last_interaction',
        archive: { duration: 'P5Y', legalReason: REASON },
      },
    },
  ],
  [
    'sales.stats',
    {
      code: 'sales.stats',
      status: 'active',
      legalBasis: 'contract',
      retention: { duration: 'P1Y', trigger: 'collection' },
    },
  ],
]);

const col = (name: string, columnType: string, nullable = true): MysqlColumnFacts => ({
  name,
  dataType: columnType.replace(/\(.*$/, '').replace(/ unsigned$/, ''),
  columnType,
  maxLength: null,
  nullable,
});
const facts = (primaryKey: string[], columns: MysqlColumnFacts[], engine = 'InnoDB'): MysqlTableFacts => ({
  engine,
  primaryKey,
  referencedBy: [],
  columns: new Map(columns.map((c) => [c.name, c])),
});
const active = facts(
  ['id'],
  [
    col('id', 'bigint(20)', false),
    col('customer_ref', 'varchar(64)', false),
    col('email', 'varchar(255)'),
    col('postcode', 'varchar(10)'),
    col('last_interaction', 'datetime'),
    col('created_at', 'datetime', false),
  ],
);
const archived = facts(
  ['id'],
  [
    col('id', 'bigint(20)', false),
    col('customer_ref', 'varchar(64)'),
    col('email', 'varchar(255)'),
    col('active_ended_at', 'datetime(6)', false),
    col('archive_until', 'datetime(6)', false),
  ],
);

const inputs = purgeInputs;
const build = { ipPrefixes: { v4: 24, v6: 48 } };

const rule = buildDatasetRule(
  datasetPlan(
    { schema: 'shop', name: 'shop.customers', table: 'customers', archiveTable: 'vault.customers' },
    [planField('email', ['sales.contract']), planField('postcode', ['sales.stats'])],
  ),
  purposes,
);

/** Every value bound: one `?` per value, no marker left. */
function bound(s: MysqlStatement): void {
  expect(s.text.split('?').length - 1).toBe(s.values.length);
  expect(s.text).not.toMatch(/\$\d/);
}

describe('mysql archive: the move (ADR 0052)', () => {
  it('locks the rows that move, then copies them before the DELETE and UPDATE, with ON DUPLICATE KEY UPDATE on qualified columns', () => {
    const batch = buildMysqlPurgeBatch(rule, active, inputs(), null, build);
    expect(batch.keptLabels).toContain('archive:moved');
    expect(batch.archive!.purposeIds).toEqual([PURPOSE_ID]);
    const move = batch.archive!.move!(['1'], ['9']);
    expect(move.lock.text).toMatch(
      /^SELECT CAST\(t\.`customer_ref` AS CHAR\) AS subject, LEAST\(.*\) AS active_ended_at, .* AS archive_until\s+FROM `shop`\.`customers` AS t WHERE .* FOR UPDATE$/s,
    );
    expect(move.insert.text).toMatch(
      /^INSERT INTO `vault`\.`customers` \(`id`, `customer_ref`, `email`, `active_ended_at`, `archive_until`\)\s+SELECT t\.`id`, t\.`customer_ref`, CASE WHEN/,
    );
    // The archive keeps the value it first received, the earliest end of the active phase and
    // the latest end of the archive phase; every reference to the archive's columns is qualified.
    expect(move.insert.text).toContain(
      'ON DUPLICATE KEY UPDATE `vault`.`customers`.`customer_ref` = COALESCE(VALUES(`customer_ref`), `vault`.`customers`.`customer_ref`), ' +
        '`vault`.`customers`.`email` = COALESCE(VALUES(`email`), `vault`.`customers`.`email`), ' +
        '`vault`.`customers`.`active_ended_at` = LEAST(`vault`.`customers`.`active_ended_at`, VALUES(`active_ended_at`)), ' +
        '`vault`.`customers`.`archive_until` = GREATEST(`vault`.`customers`.`archive_until`, VALUES(`archive_until`))',
    );
    // The phase end in MySQL date arithmetic: trigger + active + archive, against the run's instant.
    expect(move.insert.text).toContain(
      '((t.`last_interaction` + INTERVAL 3 YEAR) + INTERVAL 5 YEAR) > CAST(? AS DATETIME(6))',
    );
    expect(move.lock.values).toContainEqual(new Date('2026-05-10T00:00:00Z'));
    for (const s of [move.lock, move.insert]) bound(s);
    // The lock and the copy select the same rows (same WHERE, same values).
    const where = (s: string) =>
      s.slice(
        s.indexOf(' WHERE '),
        s.indexOf(' ORDER BY ') > 0 ? s.indexOf(' ORDER BY ') : s.indexOf(' ON DUPLICATE'),
      );
    expect(where(move.lock.text)).toEqual(where(move.insert.text));
    expect(move.lock.values).toEqual(move.insert.values.slice(-move.lock.values.length));
  });

  it('excludes held rows from the move and never copies an already anonymised value', () => {
    const batch = buildMysqlPurgeBatch(rule, active, inputs({ heldSubjects: ['c-4'] }), null, build);
    const move = batch.archive!.move!(['1'], ['9']);
    expect(move.lock.text).toContain('NOT (CAST(t.`customer_ref` AS CHAR) IN (?))');
    expect(move.lock.values).toContain('c-4');
    // nullify's "still to anonymise" test: a NULL email is neither moved nor copied over the archive's.
    expect(move.insert.text).toContain('CASE WHEN');
    expect(move.insert.text).toContain('t.`email` IS NOT NULL');
  });

  it('counts what would move in the read (a dry run), and the expired archived rows once, in the first batch', () => {
    const first = buildMysqlDryRunBatch(rule, active, inputs(), null, build);
    expect(first.keptLabels).toContain('archive:moved');
    expect(first.archive!.dueCount!.text).toBe(
      'SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM `vault`.`customers` WHERE `vault`.`customers`.`archive_until` <= CAST(? AS DATETIME(6))) e',
    );
    expect(first.archive!.move).toBeNull();
    expect(first.archive!.expiry).toBeNull();
    expect(buildMysqlDryRunBatch(rule, active, inputs(), ['5'], build).archive).toBeUndefined();
  });

  it('has no move when no field has an archive phase, but still expires an archive table it declares', () => {
    const plain = buildDatasetRule(
      datasetPlan({ schema: 'shop', name: 'shop.customers', archiveTable: 'vault.customers' }, [
        planField('postcode', ['sales.stats']),
      ]),
      purposes,
    );
    const batch = buildMysqlPurgeBatch(plain, active, inputs(), null, build);
    expect(batch.keptLabels).not.toContain('archive:moved');
    expect(batch.archive!.move).toBeNull();
    expect(batch.archive!.expiry).not.toBeNull();
  });
});

describe('mysql archive: the expiry (ADR 0052)', () => {
  it('locks then deletes at most a batch of expired rows in key order, held subjects excepted', () => {
    const batch = buildMysqlPurgeBatch(
      rule,
      active,
      inputs({ heldSubjects: ['c-4'], batchSize: 50 }),
      null,
      build,
    );
    const { lock, remove } = batch.archive!.expiry!;
    const tail =
      'WHERE `vault`.`customers`.`archive_until` <= CAST(? AS DATETIME(6)) AND CAST(`vault`.`customers`.`customer_ref` AS CHAR) NOT IN (?) ' +
      'ORDER BY `vault`.`customers`.`id` LIMIT 50';
    expect(lock.text).toBe(
      `SELECT CAST(\`vault\`.\`customers\`.\`customer_ref\` AS CHAR) AS subject FROM \`vault\`.\`customers\` ${tail} FOR UPDATE`,
    );
    expect(remove.text).toBe(`DELETE FROM \`vault\`.\`customers\` ${tail}`);
    expect(remove.values).toEqual([new Date('2026-05-10T00:00:00Z'), 'c-4']);
    expect(batch.archive!.dueCount!.text).toContain('LIMIT 50');
    bound(lock);
    bound(remove);
  });

  it("expires nothing when the whole dataset is held, and only the run's subjects in a subject-level run", () => {
    expect(
      buildMysqlPurgeBatch(rule, active, inputs({ wholeDatasetHeld: true }), null, build).archive!.expiry,
    ).toBeNull();
    const subject = buildMysqlPurgeBatch(rule, active, inputs({ subjectFilter: ['c-9'] }), null, build);
    expect(subject.archive!.expiry!.remove.text).toContain(
      'CAST(`vault`.`customers`.`customer_ref` AS CHAR) IN (?)',
    );
    expect(subject.archive!.expiry!.remove.values).toContain('c-9');
  });

  it('finds which subjects still have an archived row (the others lose their ledger rows)', () => {
    const s = buildMysqlArchiveRemaining(rule, ['c-1', 'c-2']);
    expect(s.text).toContain('WHERE `vault`.`customers`.`customer_ref` IN (?, ?)');
    expect(s.values).toEqual(['c-1', 'c-2']);
  });
});

describe('mysql archive: the plan-time check (ADR 0052)', () => {
  it('accepts a matching InnoDB table', () => {
    expect(mysqlArchiveProblems(rule, active, archived)).toEqual([]);
  });

  it('refuses a missing table with the MySQL DDL to run', () => {
    expect(mysqlArchiveProblems(rule, active, null)).toEqual([
      "archive table vault.customers does not exist in the system's server: create it with: " +
        'CREATE TABLE vault.customers (id bigint(20) NOT NULL, customer_ref varchar(64) NULL, email varchar(255) NULL, ' +
        'active_ended_at DATETIME(6) NOT NULL, archive_until DATETIME(6) NOT NULL, PRIMARY KEY (id), KEY (customer_ref), KEY (archive_until)) ENGINE = InnoDB ' +
        '(docs/retention-archive.md)',
    ]);
    expect(mysqlArchiveDdl(rule, active)).toMatch(/^CREATE TABLE vault\.customers/);
  });

  it('names what differs: engine, types, nullability, phase dates, primary key', () => {
    const wrong = facts(
      ['customer_ref'],
      [
        col('id', 'int(11)', false),
        col('customer_ref', 'varchar(64)', false),
        col('email', 'varchar(255)', false),
        col('active_ended_at', 'date', false),
      ],
      'MyISAM',
    );
    const [problem] = mysqlArchiveProblems(rule, active, wrong);
    expect(problem).toMatch(/^archive table vault\.customers does not match: /);
    for (const part of [
      'it uses the MyISAM engine, not InnoDB',
      'column id is int(11), not bigint(20) as in shop.customers',
      'column email must be nullable',
      'column active_ended_at must be DATETIME or TIMESTAMP',
      'column archive_until is missing',
      'its primary key must be (id), the key of shop.customers (it is customer_ref)',
      'create it with: CREATE TABLE vault.customers',
    ]) {
      expect(problem).toContain(part);
    }
  });

  it('refuses an archive phase with no archive table declared, and the dataset itself as its archive', () => {
    const undeclared = buildDatasetRule(
      datasetPlan({ schema: 'shop', name: 'shop.customers' }, [planField('email', ['sales.contract'])]),
      purposes,
    );
    expect(mysqlArchiveProblems(undeclared, active, null)[0]).toMatch(
      /^purpose\(s\) sales\.contract declare an archive phase, but the dataset declares no archive table: declare "archive": \{ "table": "shop_archive\.customers" \}/,
    );
    const itself = buildDatasetRule(
      datasetPlan({ schema: 'shop', name: 'shop.customers', archiveTable: 'shop.customers' }, [
        planField('email', ['sales.contract']),
      ]),
      purposes,
    );
    expect(mysqlArchiveProblems(itself, active, active)).toEqual([
      'the archive table must be another table than the dataset itself',
    ]);
  });
});
