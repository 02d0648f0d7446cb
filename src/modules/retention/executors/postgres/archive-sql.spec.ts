import { datasetPlan, planField } from '../../../../../test/factories/retention-plan.factory';
import { buildDatasetRule, describeFieldRule, PurposeFacts } from '../../retention-rule';
import { archiveDdl, archiveProblems } from './archive-check';
import type { PurgeInputs } from '../../purge-inputs.reader';
import { buildDryRunBatch } from './batch-read-sql';
import { buildPurgeBatch } from './purge-batch-sql';
import type { ColumnFacts, TableFacts } from './sql-builder';

const REASON = 'Limitation period (art. 2224 Code civil)';

const purposes = new Map<string, PurposeFacts>([
  [
    'sales.contract',
    {
      id: '00000000-0000-4000-8000-000000000001',
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

const col = (name: string, dataType: string, nullable = true): ColumnFacts => ({
  name,
  dataType,
  nullable,
  maxLength: null,
});
const facts = (primaryKey: string[], columns: ColumnFacts[]): TableFacts => ({
  primaryKey,
  referencedBy: [],
  columns: new Map(columns.map((c) => [c.name, c])),
});
const active = facts(
  ['id'],
  [
    col('id', 'bigint', false),
    col('customer_ref', 'text'),
    col('email', 'text'),
    col('postcode', 'text'),
    col('last_interaction', 'timestamp with time zone'),
    col('created_at', 'timestamp with time zone'),
  ],
);
const archived = facts(
  ['id'],
  [
    col('id', 'bigint', false),
    col('customer_ref', 'text'),
    col('email', 'text'),
    col('active_ended_at', 'timestamp with time zone', false),
    col('archive_until', 'timestamp with time zone', false),
  ],
);
const inputs = (over: Partial<PurgeInputs> = {}): PurgeInputs => ({
  withdrawals: new Map(),
  recentContacts: new Map(),
  wholeDatasetHeld: false,
  heldSubjects: [],
  subjectFilter: null,
  hashKey: Buffer.from('k'.repeat(32)),
  batchSize: 50,
  now: new Date('2026-05-10T00:00:00Z'),
  ...over,
});
const fields = [planField('email', ['sales.contract']), planField('postcode', ['sales.stats'])];
const rule = (archiveTable: string | null = 'archive.customers') =>
  buildDatasetRule(datasetPlan({ archiveTable }, fields), purposes);

describe('The intermediate archive (ADR 0052)', () => {
  it('derives which fields move and under which purposes', () => {
    expect(rule().archive).toEqual({
      schema: 'archive',
      table: 'customers',
      fieldKeys: ['crm.customers.email'],
      purposes: [{ code: 'sales.contract', id: '00000000-0000-4000-8000-000000000001' }],
    });
    expect(buildDatasetRule(datasetPlan({}, [fields[1]]), purposes).archive).toBeNull();
    // An erasure ends every purpose now: no archive phase applies, nothing moves.
    expect(buildDatasetRule(datasetPlan({}, fields), purposes, { erasure: true }).archive).toBeNull();
  });

  it('says the archive phase in the rule in words', () => {
    expect(describeFieldRule(rule().fields[0])).toBe(
      `email: erased (set to null) (the row is deleted once all its fields are due) once 3 years have passed since last_interaction and since the subject's latest contact recorded in Finalité (an interaction recorded for the subject) (sales.contract), its values first kept 5 years more in the intermediate archive (${REASON}) and then deleted`,
    );
  });

  it('checks the archive table and gives the DDL to create', () => {
    expect(archiveProblems(rule(), active, archived)).toEqual([]);
    const ddl =
      'CREATE TABLE archive.customers (id bigint NOT NULL, customer_ref text, email text, active_ended_at timestamptz NOT NULL, archive_until timestamptz NOT NULL, PRIMARY KEY (id))';
    expect(archiveDdl(rule(), active)).toBe(ddl);
    expect(archiveProblems(rule(), active, null)).toEqual([
      `archive table archive.customers does not exist in the system's database: create it with: ${ddl} (docs/retention-archive.md)`,
    ]);
    expect(archiveProblems(rule(null), active, null)[0]).toContain('the dataset declares no archive table');
    const wrong = facts(['customer_ref'], [col('customer_ref', 'text'), col('email', 'integer')]);
    const [problem] = archiveProblems(rule(), active, wrong);
    expect(problem).toContain('column id is missing');
    expect(problem).toContain('column email is integer, not text');
    expect(problem).toContain('column archive_until is missing');
    expect(problem).toContain('its primary key must be (id)');
    expect(archiveProblems(rule('public.customers'), active, active)).toEqual([
      'the archive table must be another table than the dataset itself',
    ]);
  });

  it('moves before it deletes or anonymises, in the same batch, and expires archived rows first', () => {
    const batch = buildPurgeBatch(rule(), active, inputs({ heldSubjects: ['c-9'] }), null);
    expect(batch.read.text).toContain('AS archive_due');
    expect(batch.keptLabels).toEqual(['archive:moved']);
    const changes = batch.changes(['1'], ['9'], { deleted: 2, anonymised: 1, archiveDue: 3 });
    expect(changes.map((c) => c.kind)).toEqual(['archiveExpired', 'archived', 'deleted', 'anonymised']);
    const [expiry, move] = changes;
    expect(expiry.statement.text).toMatch(/^DELETE FROM "archive"\."customers" AS a WHERE a\."id" IN \(/);
    expect(expiry.statement.text).toContain('x."archive_until" <= now()');
    expect(expiry.statement.values).toEqual([['c-9'], 50]);
    expect(move.statement.text).toMatch(
      /^INSERT INTO "archive"\."customers" AS a \("id", "customer_ref", "email"/,
    );
    expect(move.statement.text).toContain('FOR UPDATE OF t');
    expect(move.statement.text).toContain('ON CONFLICT ("id") DO UPDATE SET "customer_ref" = COALESCE');
    expect(move.statement.text).toContain('RETURNING a."customer_ref"::text AS subject');
    // Every placeholder the statement uses has its value, and no other.
    const used = new Set([...move.statement.text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    expect(used.size).toBe(move.statement.values.length);
    expect(batch.cleared!(['c-1']).text).toContain('NOT EXISTS (SELECT 1 FROM "archive"."customers"');
  });

  it('lets nothing expire from the archive while the whole dataset is held', () => {
    const batch = buildPurgeBatch(rule(), active, inputs({ wholeDatasetHeld: true }), null);
    expect(batch.read.text).toContain('0 AS archive_due');
    expect(batch.changes(null, null, { deleted: 0, anonymised: 0, archiveDue: 1 })).toEqual([]);
  });

  it('counts in a dry run what would move, and every expired archived row once', () => {
    const first = buildDryRunBatch(rule(), active, inputs(), null, 20);
    expect(first.keptLabels).toEqual(['archive:moved']);
    expect(first.text).toContain('FROM "archive"."customers" AS x WHERE');
    expect(first.text).not.toContain('archive-limit');
    const next = buildDryRunBatch(rule(), active, inputs(), ['5'], 20);
    expect(next.text).toContain('0 AS archive_due');
  });
});
