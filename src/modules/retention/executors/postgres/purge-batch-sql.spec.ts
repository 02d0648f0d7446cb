import type { PurgeInputs } from '../../purge-inputs.reader';
import { buildDatasetRule } from '../../retention-rule';
import {
  customerPurposes,
  customersPlan,
  customersTable,
  pgColumn,
} from '../../../../../test/factories/postgres-customers.factory';
import { purgeInputs } from '../../../../../test/factories/retention-plan.factory';
import { buildDryRunBatch } from './batch-read-sql';
import { buildPurgeBatch } from './purge-batch-sql';
import type { TableFacts } from './sql-builder';
import { executionProblems } from './table-check';

/** The batch size is a parameter of the read: 500, to be told apart from the other values. */
const inputs = (over: Partial<PurgeInputs> = {}): PurgeInputs => purgeInputs({ batchSize: 500, ...over });

describe('purge statements', () => {
  const due = { deleted: 1, anonymised: 1 };

  it('passes every value as a parameter (durations, subjects, cursor, key range, batch size)', () => {
    const rule = buildDatasetRule(customersPlan(), customerPurposes);
    const batch = buildPurgeBatch(
      rule,
      customersTable,
      inputs({
        heldSubjects: ["o'brien"],
        withdrawals: new Map([
          ['marketing.newsletter', [{ subjectId: 'cust-9', withdrawnAt: new Date('2026-01-01') }]],
        ]),
      }),
      ['42'],
    );
    const changes = batch.changes(['4301'], ['4377'], due);
    for (const stmt of [batch.read, ...changes.map((c) => c.statement)]) {
      expect(stmt.text).not.toContain("o'brien");
      expect(stmt.text).not.toContain('cust-9');
      expect(stmt.text).not.toMatch(/\b(42|4301|4377)\b/);
      expect(stmt.values).toEqual(expect.arrayContaining([["o'brien"], ['cust-9']]));
    }
    expect(batch.read.values).toEqual(expect.arrayContaining(['42', 500]));
    expect(batch.read.text).toMatch(/WHERE t\."id" > \$\d+::bigint/);
    // The read runs ahead, outside the batch's transaction: the transaction's id is not its.
    expect(batch.read.text).not.toContain('txid_current');
    expect(changes.map((c) => c.kind)).toEqual(['deleted', 'anonymised']);
    const [del, upd] = changes.map((c) => c.statement);
    expect(del.values).toEqual(expect.arrayContaining(['4301', '4377']));
    expect(del.text).toMatch(
      /^DELETE FROM "public"\."customers" AS t\s+WHERE t\."id" >= \$\d+::bigint AND t\."id" <= \$\d+::bigint AND NOT \(/,
    );
    expect(upd.text).toMatch(/^UPDATE "public"\."customers" AS t SET "email" = CASE WHEN/);
    expect(upd.text).toMatch(/WHERE t\."id" >= \$\d+::bigint AND t\."id" <= \$\d+::bigint AND NOT \(/);
    // The held test is repeated in the changes, not only in the read.
    expect(del.text).toMatch(/AND NOT \(t\."customer_ref"::text = ANY\(\$\d+::text\[\]\)\)/);
  });

  it('tests the due date against thresholds computed once, exact in the band around them', () => {
    const batch = buildPurgeBatch(
      buildDatasetRule(customersPlan(), customerPurposes),
      customersTable,
      inputs(),
      null,
    );
    const [del] = batch.changes(['1'], ['9'], due).map((c) => c.statement);
    const column = 't."last_interaction"';
    expect(del.text).toContain(`${column} < (SELECT now() - make_interval(`);
    expect(del.text).toMatch(
      /- '7 days'::interval\) OR \(t\."last_interaction" < \(SELECT now\(\) - make_interval\(/,
    );
    expect(del.text).toMatch(/t\."last_interaction" \+ make_interval\([^)]*\) < now\(\)/);
  });

  it('never deletes when a field is bound to no purpose (only anonymises the due ones)', () => {
    const p = customersPlan();
    p.fields.push({
      key: 'crm.customers.created_at',
      column: 'created_at',
      dataCategory: 'other',
      special: false,
      anonymisation: { strategy: 'nullify' as never },
      bindings: [],
    });
    const batch = buildPurgeBatch(buildDatasetRule(p, customerPurposes), customersTable, inputs(), null);
    expect(batch.changes(['1'], ['9'], due).map((c) => c.kind)).toEqual(['anonymised']);
  });

  it('needs no UPDATE when every field has the same due test, and skips what the read found nothing for', () => {
    const p = customersPlan();
    p.fields[0].bindings = [{ purposeCode: 'crm.support' }];
    const batch = buildPurgeBatch(buildDatasetRule(p, customerPurposes), customersTable, inputs(), null);
    expect(batch.changes(['1'], ['9'], due).map((c) => c.kind)).toEqual(['deleted']);
    expect(batch.changes(['1'], ['9'], { deleted: 0, anonymised: 0 })).toEqual([]);
  });

  it('pages a composite key with row comparisons', () => {
    const composite: TableFacts = {
      primaryKey: ['id', 'customer_ref'],
      referencedBy: [],
      columns: customersTable.columns,
    };
    const rule = buildDatasetRule(customersPlan({ primaryKey: ['id', 'customer_ref'] }), customerPurposes);
    const batch = buildPurgeBatch(rule, composite, inputs(), ['7', 'c']);
    expect(batch.read.text).toMatch(/WHERE \(t\."id", t\."customer_ref"\) > \(\$\d+::bigint, \$\d+::text\)/);
    const [del] = batch.changes(['8', 'a'], ['9', 'z'], due).map((c) => c.statement);
    expect(del.text).toMatch(
      /\(t\."id", t\."customer_ref"\) >= \(\$\d+::bigint, \$\d+::text\) AND \(t\."id", t\."customer_ref"\) <= \(\$\d+::bigint, \$\d+::text\)/,
    );
  });

  it.each(['purge', 'dry'])(
    'uses every parameter it carries (%s), so PostgreSQL can type them all',
    (mode) => {
      const p = customersPlan();
      p.fields.push({
        key: 'crm.customers.created_at',
        column: 'customer_ref',
        dataCategory: 'location',
        special: false,
        anonymisation: { strategy: 'generalise' as never, value: '3' },
        bindings: [{ purposeCode: 'marketing.newsletter' }],
      });
      const rule = buildDatasetRule(p, customerPurposes);
      const batch = buildPurgeBatch(rule, customersTable, inputs(), ['7']);
      const statements =
        mode === 'purge'
          ? [batch.read, ...batch.changes(['8'], ['9'], due).map((c) => c.statement)]
          : [buildDryRunBatch(rule, customersTable, inputs(), ['7'], 10)];
      for (const stmt of statements) {
        const used = new Set([...stmt.text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
        expect([...used].sort((a, b) => a - b)).toEqual(stmt.values.map((_, i) => i + 1));
      }
    },
  );

  it('never renumbers a `$` inside a quoted identifier (column a$1, trigger column seen$2)', () => {
    const p = customersPlan({ timestampColumns: { lastInteraction: 'seen$2', collection: 'created_at' } }, [
      {
        key: 'crm.customers.a$1',
        column: 'a$1',
        dataCategory: 'contact',
        special: false,
        anonymisation: { strategy: 'fixed' as never, value: 'x' },
        bindings: [{ purposeCode: 'crm.support' }],
      },
      {
        key: 'crm.customers.email',
        column: 'email',
        dataCategory: 'contact',
        special: false,
        anonymisation: { strategy: 'hash' as never },
        bindings: [{ purposeCode: 'crm.support' }, { purposeCode: 'marketing.newsletter' }],
      },
    ]);
    const dollars: TableFacts = {
      primaryKey: ['id'],
      referencedBy: [],
      columns: new Map(
        [...customersTable.columns]
          .filter(([n]) => n !== 'last_interaction')
          .concat([
            ['a$1', pgColumn('a$1', 'text')],
            ['seen$2', pgColumn('seen$2', 'timestamp with time zone')],
          ]),
      ),
    };
    const rule = buildDatasetRule(p, customerPurposes);
    expect(executionProblems(rule, dollars)).toEqual([]);
    const changes = buildPurgeBatch(rule, dollars, inputs(), ['7']).changes(['8'], ['9'], due);
    expect(changes.map((c) => c.kind)).toEqual(['deleted', 'anonymised']);
    for (const { statement } of changes) {
      // Identifiers as registered; placeholders dense from $1, one value each.
      expect(statement.text).toContain('t."seen$2"');
      expect(statement.text).not.toMatch(/"(a|seen)\$(?!1"|2")\d+"/);
      const unquoted = statement.text.replace(/"(?:[^"]|"")*"|'(?:[^']|'')*'/g, '');
      const used = new Set([...unquoted.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
      expect([...used].sort((a, b) => a - b)).toEqual(statement.values.map((_, i) => i + 1));
    }
    const upd = changes[1].statement;
    expect(upd.text).toContain('"a$1" = CASE WHEN');
    expect(upd.text).toContain('t."a$1" IS DISTINCT FROM');
    // The fixed value is bound to the placeholder the SET uses, not shifted by the column name.
    const fixed = /"a\$1" = CASE WHEN .*? THEN \$(\d+)::text ELSE/s.exec(upd.text);
    expect(fixed).not.toBeNull();
    expect(upd.values[Number(fixed![1]) - 1]).toBe('x');
  });

  it('holds a whole dataset by making every row held', () => {
    const stmt = buildDryRunBatch(
      buildDatasetRule(customersPlan(), customerPurposes),
      customersTable,
      inputs({ wholeDatasetHeld: true }),
      null,
      5,
    );
    expect(stmt.text).toContain('(TRUE) AS h');
  });
});
