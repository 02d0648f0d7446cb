import { mysqlBuild, mysqlColumn, promoPurpose } from '../../../../../test/factories/mysql-tables.factory';
import { datasetPlan, planField, purgeInputs } from '../../../../../test/factories/retention-plan.factory';
import { buildDatasetRule, PurposeFacts } from '../../retention-rule';
import { buildMysqlDryRunBatch, buildMysqlPurgeBatch } from './mysql-purge-sql';
import type { MysqlTableFacts } from './mysql-sql-builder';
import { mysqlExecutionProblems, mysqlKeptExemptions } from './mysql-table-check';

/** ADR 0051 in the mysql builder: referenced rows, NOT NULL fields on nullify, recorded contacts. */

const col = mysqlColumn;

const purposes = new Map<string, PurposeFacts>([
  ['promo', promoPurpose],
  [
    'news',
    {
      code: 'news',
      status: 'active',
      legalBasis: 'consent',
      retention: { duration: 'P3Y', trigger: 'last_interaction' },
    },
  ],
]);

const inputs = purgeInputs;

const build = mysqlBuild;

function tableOf(over: Partial<MysqlTableFacts> = {}): MysqlTableFacts {
  return {
    engine: 'InnoDB',
    primaryKey: ['id'],
    referencedBy: [],
    columns: new Map(
      [
        col('id', 'bigint', false),
        col('customer_ref', 'varchar', false),
        col('email', 'varchar'),
        col('phone', 'varchar', false),
        col('last_interaction', 'datetime'),
        col('created_at', 'datetime', false),
      ].map((c) => [c.name, c]),
    ),
    ...over,
  };
}

const payments = {
  name: 'payment_customer_fk',
  schema: 'shop',
  table: 'payment',
  columns: ['customer_id'],
  refColumns: ['id'],
};

describe('mysql builder: referenced rows (ADR 0051)', () => {
  const rule = buildDatasetRule(
    datasetPlan({ schema: 'shop', name: 'shop.customers' }, [planField('email', ['promo'])]),
    purposes,
  );
  const table = tableOf({ referencedBy: [payments] });

  it('keeps a referenced row out of the DELETE and anonymises it instead, counting it per constraint', () => {
    const batch = buildMysqlPurgeBatch(rule, table, inputs(), null, build);
    expect(batch.keptLabels).toEqual(['constraint:payment_customer_fk']);
    const exists = 'EXISTS (SELECT 1 FROM `shop`.`payment` AS r WHERE r.`customer_id` = t.`id`)';
    expect(batch.read.text).toContain(exists);
    expect(batch.read.text).toMatch(/AS k0\b/);
    const [del, upd] = batch.changes(['1'], ['9'], { deleted: 1, anonymised: 1 });
    expect(del.kind).toBe('deleted');
    expect(del.statement.text).toContain(`AND NOT (${exists})`);
    expect(upd.kind).toBe('anonymised');
    expect(upd.statement.text).toMatch(/^UPDATE `shop`\.`customers` AS t SET t\.`email` = CASE WHEN/);
    expect(upd.statement.text).toContain(exists);
    // Every value bound: one marker per value, no literal key.
    for (const s of [batch.read, del.statement, upd.statement]) {
      expect(s.text.split('?').length - 1).toBe(s.values.length);
    }
  });

  it('says up front which constraints keep rows', () => {
    expect(mysqlKeptExemptions(rule, table)).toEqual([
      expect.objectContaining({ kind: 'referenced_rows', constraint: 'payment_customer_fk' }),
    ]);
  });

  it('refuses a table referenced by its own rows, and catalogue names outside the alphabet', () => {
    const self = { ...payments, name: 'parent_fk', table: 'customers', columns: ['customer_ref'] };
    expect(mysqlExecutionProblems(rule, tableOf({ referencedBy: [self] }))).toEqual([
      expect.stringMatching(/^foreign key parent_fk references shop\.customers from the table itself/),
    ]);
    const odd = { ...payments, table: 'pay`ment' };
    expect(mysqlExecutionProblems(rule, tableOf({ referencedBy: [odd] }))).toEqual([
      expect.stringMatching(/outside the register's alphabet/),
    ]);
  });
});

describe('mysql builder: nullify on a NOT NULL column (ADR 0051)', () => {
  const phone = { ...planField('phone', ['promo']), key: 'crm.customers.phone' };
  const rule = buildDatasetRule(
    datasetPlan({ schema: 'shop', name: 'shop.customers' }, [planField('email', ['news']), phone]),
    purposes,
  );

  it('is not a refusal: the field is left out of the UPDATE, reported and counted', () => {
    const table = tableOf();
    expect(mysqlExecutionProblems(rule, table)).toEqual([]);
    expect(mysqlKeptExemptions(rule, table)).toEqual([
      expect.objectContaining({ kind: 'field_not_purgeable', fields: ['crm.customers.phone'] }),
    ]);
    const batch = buildMysqlPurgeBatch(rule, table, inputs(), null, build);
    expect(batch.keptLabels).toEqual(['field:crm.customers.phone']);
    const [upd] = batch.changes(['1'], ['9'], { deleted: 0, anonymised: 1 });
    expect(upd.statement.text).toContain('t.`email` = CASE WHEN');
    expect(upd.statement.text).not.toContain('t.`phone` = ');
    expect(buildMysqlDryRunBatch(rule, table, inputs(), null, build).keptLabels).toEqual([
      'field:crm.customers.phone',
    ]);
  });
});

describe('mysql builder: recorded contacts (ADR 0051)', () => {
  const rule = buildDatasetRule(datasetPlan({}, [planField('email', ['news'])]), purposes);

  it('keeps the clock running for the subjects with a recent contact, as a bound list', () => {
    const recent = inputs({ recentContacts: new Map([['news', ['cust-7', 'cust-8']]]) });
    const batch = buildMysqlPurgeBatch(rule, tableOf(), recent, null, build);
    expect(batch.read.text).toMatch(/AND NOT CAST\(t\.`customer_ref` AS CHAR\) IN \(\?, \?\)/);
    expect(batch.read.values).toEqual(expect.arrayContaining(['cust-7', 'cust-8']));
    const none = buildMysqlPurgeBatch(rule, tableOf(), inputs(), null, build);
    expect(none.read.text).not.toContain('IN (');
  });
});

describe('mysql builder: trigger dates the UPDATE must not move', () => {
  const rule = buildDatasetRule(
    datasetPlan({}, [planField('email', ['news']), planField('name', ['promo'])]),
    purposes,
  );

  it('assigns each trigger date to itself after the CASEs, so ON UPDATE CURRENT_TIMESTAMP leaves it', () => {
    const [upd] = buildMysqlPurgeBatch(rule, tableOf(), inputs(), null, build).changes(['1'], ['9'], {
      deleted: 0,
      anonymised: 1,
    });
    expect(upd.kind).toBe('anonymised');
    const sets = upd.statement.text.slice(
      upd.statement.text.indexOf(' SET '),
      upd.statement.text.indexOf('WHERE'),
    );
    expect(sets).toMatch(/t\.`created_at` = t\.`created_at`/);
    expect(sets).toMatch(
      /, t\.`last_interaction` = t\.`last_interaction`, t\.`created_at` = t\.`created_at`\s*$/,
    );
    expect(sets.indexOf('t.`email` = CASE')).toBeLessThan(
      sets.indexOf('t.`last_interaction` = t.`last_interaction`'),
    );
  });
});
