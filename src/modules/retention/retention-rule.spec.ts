import type { RetentionDatasetPlan } from '../inventory/inventory.types';
import {
  customerPurposes,
  customersPlan,
  customersTable,
} from '../../../test/factories/postgres-customers.factory';
import { datasetPlan, planField, purgeInputs } from '../../../test/factories/retention-plan.factory';
import { buildDatasetRule, describeFieldRule, PurposeFacts } from './retention-rule';
import { buildOverdueCount } from './executors/postgres/overdue-count-sql';
import { buildPurgeBatch } from './executors/postgres/purge-batch-sql';
import type { TableFacts } from './executors/postgres/sql-builder';
import type { PurgeInputs } from './purge-inputs.reader';

/** One purpose per status, all with a retention that has long expired for any dated row. */
const purpose = (code: string, status: string): [string, PurposeFacts] => [
  code,
  { code, status, legalBasis: 'contract', retention: { duration: 'P1D', trigger: 'last_interaction' } },
];
const purposes = new Map<string, PurposeFacts>([
  purpose('support', 'active'),
  purpose('launch', 'draft'),
  purpose('pilot', 'draft'),
  purpose('old', 'retired'),
  purpose('older', 'retired'),
]);

function plan(bindings: Record<string, string[]>): RetentionDatasetPlan {
  return datasetPlan(
    { subjectColumn: null, timestampColumns: { lastInteraction: 'last_interaction' } },
    Object.entries(bindings).map(([column, codes]) => planField(column, codes)),
  );
}

const table: TableFacts = {
  primaryKey: ['id'],
  referencedBy: [],
  columns: new Map(
    ['id', 'email', 'name', 'phone', 'last_interaction'].map((name) => [
      name,
      {
        name,
        dataType:
          name === 'id' ? 'bigint' : name === 'last_interaction' ? 'timestamp with time zone' : 'text',
        nullable: name !== 'id',
        maxLength: null,
      },
    ]),
  ),
};

const inputs: PurgeInputs = {
  withdrawals: new Map(),
  recentContacts: new Map(),
  wholeDatasetHeld: false,
  heldSubjects: [],
  subjectFilter: null,
  hashKey: Buffer.alloc(32, 1),
  batchSize: 100,
  now: new Date('2026-05-10T00:00:00Z'),
};

/** What the engine would change in a batch where every row looks due (the read found some). */
const changesOf = (p: RetentionDatasetPlan) =>
  buildPurgeBatch(buildDatasetRule(p, purposes), table, inputs, null)
    .changes(['1'], ['9'], { deleted: 1, anonymised: 1 })
    .map((c) => ({ kind: c.kind, text: c.statement.text }));

describe('which bindings make a field due', () => {
  it('never makes a field bound only to draft purposes due (registered, not yet in use)', () => {
    const rule = buildDatasetRule(plan({ email: ['launch'], name: ['launch', 'pilot'] }), purposes);
    expect(rule.fields.map((f) => f.state)).toEqual(['not_in_use', 'not_in_use']);
    expect(rule.fields.every((f) => f.keeps.length === 0)).toBe(true);
    // Nothing to delete or anonymise, whatever the rows' dates.
    expect(changesOf(plan({ email: ['launch'], name: ['launch', 'pilot'] }))).toEqual([]);
    const overdue = buildOverdueCount(rule, table, inputs);
    expect(overdue.text).toContain('(FALSE) AS del');
    expect(describeFieldRule(rule.fields[0])).toBe(
      'email: never purged automatically (no active purpose yet: a draft is not in use)',
    );
  });

  it('makes a field bound only to retired purposes due now, and deletes rows whose fields all are', () => {
    const rule = buildDatasetRule(plan({ email: ['old'], name: ['old', 'older'] }), purposes);
    expect(rule.fields.map((f) => f.state)).toEqual(['no_active_purpose', 'no_active_purpose']);
    const changes = changesOf(plan({ email: ['old'], name: ['old', 'older'] }));
    expect(changes.map((c) => c.kind)).toEqual(['deleted']);
    expect(changes[0].text).toMatch(/AND TRUE$/);
    expect(describeFieldRule(rule.fields[0])).toContain('now: no active purpose justifies it');
  });

  it('follows the active purpose of a field also bound to a draft (the draft neither keeps nor purges)', () => {
    const mixed = buildDatasetRule(plan({ email: ['support', 'launch'] }), purposes);
    const activeOnly = buildDatasetRule(plan({ email: ['support'] }), purposes);
    expect(mixed.fields[0].state).toBe('bound');
    expect(mixed.fields[0].keeps.map((k) => k.purposeCode)).toEqual(['support']);
    expect(mixed.fields).toEqual(activeOnly.fields);
    const [del] = changesOf(plan({ email: ['support', 'launch'] }));
    expect(del.kind).toBe('deleted');
    expect(del.text).toContain('t."last_interaction" IS NOT NULL');
  });

  it('keeps a field bound to a retired and a draft purpose (not every binding is retired)', () => {
    const rule = buildDatasetRule(plan({ email: ['old', 'launch'], name: ['old'] }), purposes);
    expect(rule.fields.map((f) => f.state)).toEqual(['not_in_use', 'no_active_purpose']);
    // The row is never deleted (email is never due); only the retired-only name is anonymised.
    expect(changesOf(plan({ email: ['old', 'launch'], name: ['old'] })).map((c) => c.kind)).toEqual([
      'anonymised',
    ]);
  });

  it('does not take a purpose missing from the register for a retired one', () => {
    const rule = buildDatasetRule(plan({ email: ['gone'], name: ['gone', 'old'] }), purposes);
    expect(rule.fields.map((f) => f.state)).toEqual(['not_in_use', 'not_in_use']);
  });

  it('still makes an active purpose due on erasure, never a draft-only field', () => {
    const rule = buildDatasetRule(plan({ email: ['support'], name: ['launch'] }), purposes, {
      erasure: true,
    });
    expect(rule.fields[0].keeps.map((k) => k.expiry.kind)).toEqual(['now']);
    expect(rule.fields[1]).toMatchObject({ state: 'not_in_use', keeps: [] });
  });
});

describe('consent-based purposes whose time rule cannot be proven', () => {
  const withSubject = (p: RetentionDatasetPlan): RetentionDatasetPlan => ({
    ...p,
    dataset: { ...p.dataset, subjectColumn: 'customer_ref' },
  });
  const consent = (duration: string, trigger: string): Map<string, PurposeFacts> =>
    new Map([
      [
        'newsletter',
        { code: 'newsletter', status: 'active', legalBasis: 'consent', retention: { duration, trigger } },
      ],
    ]);
  const expiryKind = (facts: Map<string, PurposeFacts>) =>
    buildDatasetRule(withSubject(plan({ email: ['newsletter'] })), facts).fields[0].keeps[0].expiry.kind;

  it('ends at the withdrawal when the duration is unreadable (time-based trigger)', () => {
    expect(expiryKind(consent('three years', 'last_interaction'))).toBe('on_withdrawal');
  });

  it('keeps the data when "D after withdrawal" has an unreadable D (never earlier than declared)', () => {
    expect(expiryKind(consent('three years', 'consent_withdrawal'))).toBe('never');
    expect(expiryKind(consent('P1M', 'consent_withdrawal'))).toBe('after_withdrawal');
  });

  const consentPurposes = new Map<string, PurposeFacts>([
    ...customerPurposes,
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
    customersPlan(overrides, [planField('email', ['optin']), planField('name', ['survey'])]);
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
      customersTable,
      purgeInputs({ withdrawals: withdrawn('cust-9', '2026-01-01T00:00:00Z') }),
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
      const batch = buildPurgeBatch(rule, customersTable, purgeInputs({ withdrawals }), null);
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

describe('per-field expiry', () => {
  it('derives per-field expiry from active purposes and their triggers', () => {
    const rule = buildDatasetRule(customersPlan(), customerPurposes);
    const email = rule.fields[0];
    expect(email.state).toBe('bound');
    expect(email.keeps.map((k) => [k.purposeCode, k.expiry.kind])).toEqual([
      ['crm.support', 'time'],
      ['marketing.newsletter', 'time'],
    ]);
    expect(rule.withdrawalPurposes).toEqual(['marketing.newsletter']);
  });

  it('treats a field bound only to retired purposes as due now, and an unbound one as never', () => {
    const p = customersPlan({}, [
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
    const rule = buildDatasetRule(p, customerPurposes);
    expect(rule.fields.map((f) => f.state)).toEqual(['no_active_purpose', 'unbound']);
  });

  it('on erasure, ends every purpose now except legal obligations', () => {
    const p = customersPlan();
    p.fields[1].bindings.push({ purposeCode: 'accounting' });
    const rule = buildDatasetRule(p, customerPurposes, { erasure: true });
    expect(rule.fields[0].keeps.every((k) => k.expiry.kind === 'now')).toBe(true);
    expect(rule.fields[1].keeps.map((k) => k.expiry.kind)).toEqual(['time', 'now']);
    expect(rule.legalObligationKeeps).toEqual([
      { purposeCode: 'accounting', fields: ['crm.customers.name'] },
    ]);
  });

  it('cannot prove expiry without the trigger column', () => {
    const rule = buildDatasetRule(customersPlan({ timestampColumns: {} }), customerPurposes);
    expect(rule.fields[1].keeps[0].expiry).toEqual({
      kind: 'never',
      reason: 'the dataset declares no last_interaction column for purpose crm.support',
    });
  });
});
