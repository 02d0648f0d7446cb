// Over 400 lines: one builder's statements checked case by case (strategies, keys, holds, withdrawals);
// splitting it would scatter the shared fixtures.
import { createHash, createHmac } from 'node:crypto';
import { buildDatasetRule, describeFieldRule, PurposeFacts } from '../../retention-rule';
import type { RetentionDatasetPlan } from '../../../inventory/inventory.types';
import { datasetPlan, planField } from '../../../../../test/factories/retention-plan.factory';
import type { PurgeInputs } from '../../purge-inputs.reader';
import { hmacPads } from './anonymisation-sql';
import { buildDryRunBatch } from './batch-read-sql';
import { buildPurgeBatch } from './purge-batch-sql';
import { ColumnFacts, quoteIdentifier, TableFacts } from './sql-builder';
import { executionProblems } from './table-check';

const col = (
  name: string,
  dataType: string,
  nullable = true,
  maxLength: number | null = null,
): ColumnFacts => ({
  name,
  dataType,
  nullable,
  maxLength,
});

function plan(
  overrides: Partial<RetentionDatasetPlan['dataset']> = {},
  fields?: RetentionDatasetPlan['fields'],
): RetentionDatasetPlan {
  return datasetPlan(
    overrides,
    fields ?? [
      {
        key: 'crm.customers.email',
        column: 'email',
        dataCategory: 'contact',
        special: false,
        anonymisation: { strategy: 'hash' as never },
        bindings: [{ purposeCode: 'crm.support' }, { purposeCode: 'marketing.newsletter' }],
      },
      {
        key: 'crm.customers.name',
        column: 'name',
        dataCategory: 'identity',
        special: false,
        anonymisation: { strategy: 'nullify' as never },
        bindings: [{ purposeCode: 'crm.support' }],
      },
    ],
  );
}

const purposes = new Map<string, PurposeFacts>([
  [
    'crm.support',
    {
      code: 'crm.support',
      status: 'active',
      legalBasis: 'contract',
      retention: { duration: 'P1Y', trigger: 'last_interaction' },
    },
  ],
  [
    'marketing.newsletter',
    {
      code: 'marketing.newsletter',
      status: 'active',
      legalBasis: 'consent',
      retention: { duration: 'P3Y', trigger: 'last_interaction' },
    },
  ],
  [
    'accounting',
    {
      code: 'accounting',
      status: 'active',
      legalBasis: 'legal_obligation',
      retention: { duration: 'P10Y', trigger: 'collection' },
    },
  ],
  [
    'old',
    {
      code: 'old',
      status: 'retired',
      legalBasis: 'contract',
      retention: { duration: 'P1Y', trigger: 'collection' },
    },
  ],
]);

const table: TableFacts = {
  primaryKey: ['id'],
  referencedBy: [],
  columns: new Map(
    [
      col('id', 'bigint', false),
      col('customer_ref', 'text'),
      col('email', 'text'),
      col('name', 'character varying'),
      col('last_interaction', 'timestamp with time zone'),
      col('created_at', 'timestamp with time zone'),
    ].map((c) => [c.name, c]),
  ),
};

const inputs = (over: Partial<PurgeInputs> = {}): PurgeInputs => ({
  withdrawals: new Map(),
  recentContacts: new Map(),
  wholeDatasetHeld: false,
  heldSubjects: [],
  subjectFilter: null,
  hashKey: Buffer.from('k'.repeat(32)),
  batchSize: 500,
  now: new Date('2026-05-10T00:00:00Z'),
  ...over,
});

describe('identifiers', () => {
  it.each(['customers"; DROP TABLE x; --', 'a b', '1abc', '', 'x'.repeat(64), 'naïve', 'a"b'])(
    'refuses %j',
    (id) => {
      expect(() => quoteIdentifier(id)).toThrow(/unsafe SQL identifier/);
    },
  );

  it('quotes safe identifiers', () => {
    expect(quoteIdentifier('Customer_Ref')).toBe('"Customer_Ref"');
  });

  it('reports a malicious registered column before any SQL is built', () => {
    const rule = buildDatasetRule(
      plan({}, [
        {
          key: 'crm.customers.x',
          column: 'email" = NULL; DROP TABLE customers; --',
          dataCategory: 'contact',
          special: false,
          anonymisation: { strategy: 'nullify' as never },
          bindings: [{ purposeCode: 'crm.support' }],
        },
      ]),
      purposes,
    );
    expect(executionProblems(rule, table)).toEqual([expect.stringMatching(/unsafe identifier/)]);
  });

  it('reports columns, keys and strategies the customer table cannot take', () => {
    const rule = buildDatasetRule(plan({ primaryKey: ['customer_ref'] }), purposes);
    const narrow: TableFacts = {
      primaryKey: ['id'],
      referencedBy: [],
      columns: new Map(
        [...table.columns]
          .filter(([n]) => n !== 'name')
          .concat([['email', col('email', 'character varying', true, 20)]]),
      ),
    };
    const problems = executionProblems(rule, narrow);
    expect(problems).toEqual(
      expect.arrayContaining([
        'column name does not exist in public.customers',
        expect.stringMatching(/registered primary key \(customer_ref\) is not the table's \(id\)/),
        expect.stringMatching(/"hash" needs room for 69 characters/),
      ]),
    );
    expect(executionProblems(buildDatasetRule(plan(), purposes), null)).toEqual([
      "table public.customers does not exist in the system's database",
    ]);
  });
});

describe('purge statements', () => {
  const due = { deleted: 1, anonymised: 1 };

  it('passes every value as a parameter (durations, subjects, cursor, key range, batch size)', () => {
    const rule = buildDatasetRule(plan(), purposes);
    const batch = buildPurgeBatch(
      rule,
      table,
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
    expect(batch.read.text).toContain('txid_current()::text AS xid');
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
    const batch = buildPurgeBatch(buildDatasetRule(plan(), purposes), table, inputs(), null);
    const [del] = batch.changes(['1'], ['9'], due).map((c) => c.statement);
    const column = 't."last_interaction"';
    expect(del.text).toContain(`${column} < (SELECT now() - make_interval(`);
    expect(del.text).toMatch(
      /- '7 days'::interval\) OR \(t\."last_interaction" < \(SELECT now\(\) - make_interval\(/,
    );
    expect(del.text).toMatch(/t\."last_interaction" \+ make_interval\([^)]*\) < now\(\)/);
  });

  it('never deletes when a field is bound to no purpose (only anonymises the due ones)', () => {
    const p = plan();
    p.fields.push({
      key: 'crm.customers.created_at',
      column: 'created_at',
      dataCategory: 'other',
      special: false,
      anonymisation: { strategy: 'nullify' as never },
      bindings: [],
    });
    const batch = buildPurgeBatch(buildDatasetRule(p, purposes), table, inputs(), null);
    expect(batch.changes(['1'], ['9'], due).map((c) => c.kind)).toEqual(['anonymised']);
  });

  it('needs no UPDATE when every field has the same due test, and skips what the read found nothing for', () => {
    const p = plan();
    p.fields[0].bindings = [{ purposeCode: 'crm.support' }];
    const batch = buildPurgeBatch(buildDatasetRule(p, purposes), table, inputs(), null);
    expect(batch.changes(['1'], ['9'], due).map((c) => c.kind)).toEqual(['deleted']);
    expect(batch.changes(['1'], ['9'], { deleted: 0, anonymised: 0 })).toEqual([]);
  });

  it('pages a composite key with row comparisons', () => {
    const composite: TableFacts = {
      primaryKey: ['id', 'customer_ref'],
      referencedBy: [],
      columns: table.columns,
    };
    const rule = buildDatasetRule(plan({ primaryKey: ['id', 'customer_ref'] }), purposes);
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
      const p = plan();
      p.fields.push({
        key: 'crm.customers.created_at',
        column: 'customer_ref',
        dataCategory: 'location',
        special: false,
        anonymisation: { strategy: 'generalise' as never, value: '3' },
        bindings: [{ purposeCode: 'marketing.newsletter' }],
      });
      const rule = buildDatasetRule(p, purposes);
      const batch = buildPurgeBatch(rule, table, inputs(), ['7']);
      const statements =
        mode === 'purge'
          ? [batch.read, ...batch.changes(['8'], ['9'], due).map((c) => c.statement)]
          : [buildDryRunBatch(rule, table, inputs(), ['7'], 10)];
      for (const stmt of statements) {
        const used = new Set([...stmt.text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
        expect([...used].sort((a, b) => a - b)).toEqual(stmt.values.map((_, i) => i + 1));
      }
    },
  );

  it('never renumbers a `$` inside a quoted identifier (column a$1, trigger column seen$2)', () => {
    const p = plan({ timestampColumns: { lastInteraction: 'seen$2', collection: 'created_at' } }, [
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
        [...table.columns]
          .filter(([n]) => n !== 'last_interaction')
          .concat([
            ['a$1', col('a$1', 'text')],
            ['seen$2', col('seen$2', 'timestamp with time zone')],
          ]),
      ),
    };
    const rule = buildDatasetRule(p, purposes);
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
      buildDatasetRule(plan(), purposes),
      table,
      inputs({ wholeDatasetHeld: true }),
      null,
      5,
    );
    expect(stmt.text).toContain('(TRUE) AS h');
  });
});

describe('retention rule', () => {
  it('derives per-field expiry from active purposes and their triggers', () => {
    const rule = buildDatasetRule(plan(), purposes);
    const email = rule.fields[0];
    expect(email.state).toBe('bound');
    expect(email.keeps.map((k) => [k.purposeCode, k.expiry.kind])).toEqual([
      ['crm.support', 'time'],
      ['marketing.newsletter', 'time'],
    ]);
    expect(rule.withdrawalPurposes).toEqual(['marketing.newsletter']);
  });

  it('treats a field bound only to retired purposes as due now, and an unbound one as never', () => {
    const p = plan({}, [
      {
        key: 'a',
        column: 'email',
        dataCategory: 'contact',
        special: false,
        anonymisation: { strategy: 'nullify' as never },
        bindings: [{ purposeCode: 'old' }],
      },
      {
        key: 'b',
        column: 'name',
        dataCategory: 'contact',
        special: false,
        anonymisation: { strategy: 'nullify' as never },
        bindings: [],
      },
    ]);
    const rule = buildDatasetRule(p, purposes);
    expect(rule.fields.map((f) => f.state)).toEqual(['no_active_purpose', 'unbound']);
  });

  it('on erasure, ends every purpose now except legal obligations', () => {
    const p = plan();
    p.fields[1].bindings.push({ purposeCode: 'accounting' });
    const rule = buildDatasetRule(p, purposes, { erasure: true });
    expect(rule.fields[0].keeps.every((k) => k.expiry.kind === 'now')).toBe(true);
    expect(rule.fields[1].keeps.map((k) => k.expiry.kind)).toEqual(['time', 'now']);
    expect(rule.legalObligationKeeps).toEqual([
      { purposeCode: 'accounting', fields: ['crm.customers.name'] },
    ]);
  });

  it('cannot prove expiry without the trigger column', () => {
    const rule = buildDatasetRule(plan({ timestampColumns: {} }), purposes);
    expect(rule.fields[1].keeps[0].expiry).toEqual({
      kind: 'never',
      reason: 'the dataset declares no last_interaction column for purpose crm.support',
    });
  });
});

describe('keyed hash pads', () => {
  it('reproduce HMAC-SHA256 with two plain sha256 passes (what the SQL computes)', () => {
    const key = Buffer.from('a secret key of some length');
    const { inner, outer } = hmacPads(key);
    const message = Buffer.from('alice@example.com');
    const innerHash = createHash('sha256')
      .update(Buffer.concat([inner, message]))
      .digest();
    const viaPads = createHash('sha256')
      .update(Buffer.concat([outer, innerHash]))
      .digest('hex');
    expect(viaPads).toBe(createHmac('sha256', key).update(message).digest('hex'));
  });
});

describe('consent-based purposes whose time rule cannot be proven', () => {
  const consentPurposes = new Map<string, PurposeFacts>([
    ...purposes,
    ['optin', { code: 'optin', status: 'active', legalBasis: 'consent', retention: null }],
    [
      'survey',
      {
        code: 'survey',
        status: 'active',
        legalBasis: 'consent',
        retention: { duration: 'P2Y', trigger: 'contract_end' }, // no contract_end column declared
      },
    ],
  ]);
  const consentPlan = (overrides: Partial<RetentionDatasetPlan['dataset']> = {}) =>
    plan(overrides, [planField('email', ['optin']), planField('name', ['survey'])]);
  const withdrawn = (subjectId: string, withdrawnAt: string) =>
    new Map([
      ['optin', [{ subjectId, withdrawnAt: new Date(withdrawnAt) }]],
      ['survey', [{ subjectId, withdrawnAt: new Date(withdrawnAt) }]],
    ]);

  it('ends at once for a subject who withdrew, with no retention or no trigger column declared', () => {
    const rule = buildDatasetRule(consentPlan(), consentPurposes);
    expect(rule.fields.map((f) => f.keeps[0].expiry)).toEqual([
      { kind: 'on_withdrawal', reason: 'purpose optin declares no retention' },
      {
        kind: 'on_withdrawal',
        reason: 'the dataset declares no contract_end column for purpose survey',
      },
    ]);
    expect(rule.withdrawalPurposes).toEqual(['optin', 'survey']);
    expect(describeFieldRule(rule.fields[0])).toBe(
      'email: erased (set to null) (the row is deleted once all its fields are due) once consent for optin is withdrawn (no time limit: purpose optin declares no retention)',
    );
    const batch = buildPurgeBatch(
      rule,
      table,
      inputs({ withdrawals: withdrawn('cust-9', '2026-01-01T00:00:00Z') }),
      null,
    );
    const [del] = batch.changes(['1'], ['9'], { deleted: 1, anonymised: 0 });
    expect(del.kind).toBe('deleted');
    // Per subject: only the withdrawn subject's rows are due.
    expect(del.statement.text).toMatch(/t\."customer_ref"::text = ANY\(\$\d+::text\[\]\)/);
    expect(del.statement.values).toContainEqual(['cust-9']);
    expect(del.statement.text).not.toContain('last_interaction');
  });

  it('keeps the data of subjects who did not withdraw (or withdraw later than now)', () => {
    const rule = buildDatasetRule(consentPlan(), consentPurposes);
    for (const withdrawals of [new Map(), withdrawn('cust-9', '2027-01-01T00:00:00Z')]) {
      const batch = buildPurgeBatch(rule, table, inputs({ withdrawals }), null);
      expect(batch.changes(['1'], ['9'], { deleted: 1, anonymised: 1 })).toEqual([]);
      expect(batch.read.text).toContain('(FALSE) AS del');
    }
  });

  it('still cannot end without a subject column to match withdrawals (never, reported)', () => {
    const rule = buildDatasetRule(consentPlan({ subjectColumn: null }), consentPurposes);
    expect(rule.fields[0].keeps[0].expiry).toEqual({
      kind: 'never',
      reason: 'purpose optin declares no retention',
    });
    expect(rule.withdrawalPurposes).toEqual([]);
  });

  it('leaves a non-consent purpose without retention never due', () => {
    const p = new Map(consentPurposes);
    p.set('optin', { code: 'optin', status: 'active', legalBasis: 'contract', retention: null });
    expect(buildDatasetRule(consentPlan(), p).fields[0].keeps[0].expiry.kind).toBe('never');
  });
});
