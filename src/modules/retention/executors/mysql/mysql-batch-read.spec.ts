import { mysqlBuild, mysqlColumn, promoPurpose } from '../../../../../test/factories/mysql-tables.factory';
import { datasetPlan, planField, purgeInputs } from '../../../../../test/factories/retention-plan.factory';
import { buildDatasetRule, PurposeFacts } from '../../retention-rule';
import { BatchCountsRow, batchReadFromCounts, FlagRow, summariseBatchRows } from './mysql-batch-read';
import { buildMysqlDryRunBatch, buildMysqlPurgeBatch } from './mysql-purge-sql';
import type { MysqlTableFacts } from './mysql-sql-builder';

/** The read of a mysql purge batch: counted by the server for a one-column key, rows otherwise. */

const purposes = new Map<string, PurposeFacts>([['promo', promoPurpose]]);
const build = mysqlBuild;
const col = mysqlColumn;
const rule = (primaryKey: string[]) =>
  buildDatasetRule(
    datasetPlan({ schema: 'shop', name: 'shop.visits', primaryKey }, [planField('email', ['promo'])]),
    purposes,
  );
const table = (primaryKey: string[]): MysqlTableFacts => ({
  engine: 'InnoDB',
  primaryKey,
  referencedBy: [],
  columns: new Map(
    [
      col('id', 'binary', false),
      col('day', 'date', false),
      col('customer_ref', 'varchar', false),
      col('email', 'varchar'),
      col('last_interaction', 'datetime'),
      col('created_at', 'datetime', false),
    ].map((c) => [c.name, c]),
  ),
});

describe('mysql batch read', () => {
  it("counts a one-column key's batch in the server: one row, both ends of the range as text", () => {
    const batch = buildMysqlPurgeBatch(rule(['id']), table(['id']), purgeInputs(), ['0a0b'], build);
    expect(batch.read.counted).toBe(true);
    expect(batch.read.text).toMatch(/^SELECT COUNT\(\*\) AS scanned,/);
    // A binary key's ends come back in hex, as the cursor is kept (and compared, UNHEX).
    expect(batch.read.text).toContain('HEX(MIN(b.r0)) AS first_key');
    expect(batch.read.text).toContain('HEX(MAX(b.r0)) AS last_key');
    expect(batch.read.text).toMatch(/ORDER BY t\.`id`\s+LIMIT 100\) AS b$/);
    expect(batch.read.values).toEqual(expect.arrayContaining(['0a0b']));
    expect(batch.read.text.split('?').length - 1).toBe(batch.read.values.length);
  });

  it("returns a composite key's batch row by row (its ends are its first and last rows)", () => {
    const batch = buildMysqlPurgeBatch(rule(['id', 'day']), table(['id', 'day']), purgeInputs(), null, build);
    expect(batch.read.counted).toBe(false);
    expect(batch.read.text).not.toContain('COUNT(*)');
    expect(batch.read.text).toMatch(/HEX\(t\.`id`\) AS p0, CAST\(t\.`day` AS CHAR\) AS p1/);
  });

  it('keeps the dry run row by row (its sample names row keys)', () => {
    const dry = buildMysqlDryRunBatch(rule(['id']), table(['id']), purgeInputs(), null, build);
    expect(dry.read.text).not.toContain('COUNT(*)');
    expect(dry.read.text).toContain('AS p0');
  });

  it('counts the same from the server row as from the rows themselves', () => {
    const rows = [
      { p0: '01', del: 1, anon: 1, held: 0, undated: 0, k0: 0 },
      { p0: '02', del: null, anon: 1, held: 0, undated: 0, k0: 1 },
      { p0: '03', del: 0, anon: 0, held: 1, undated: 1, k0: null },
      { p0: '04', del: 0, anon: 1, held: 0, undated: 0, k0: 1 },
    ] as unknown as FlagRow[];
    const fromRows = summariseBatchRows(rows, ['field:x'], 0);
    // What batchCounts returns for these rows (SUM of CASE WHEN flag = 1; anon only if not deleted).
    const counted = {
      scanned: 4,
      due_deleted: '1',
      due_anonymised: '2',
      held: '1',
      undated: '1',
      k0: '2',
      first_key: '01',
      last_key: '04',
    } as unknown as BatchCountsRow;
    expect(batchReadFromCounts(counted, ['field:x'])).toEqual(fromRows);
    expect(fromRows).toMatchObject({
      scanned: 4,
      dueDeleted: 1,
      dueAnonymised: 2,
      held: 1,
      undated: 1,
      kept: { 'field:x': 2 },
      firstKey: ['01'],
      lastKey: ['04'],
    });
  });

  it('reads an empty batch as no range', () => {
    const empty = {
      scanned: 0,
      due_deleted: 0,
      due_anonymised: 0,
      held: 0,
      undated: 0,
      first_key: null,
      last_key: null,
    };
    expect(batchReadFromCounts(empty as BatchCountsRow, [])).toMatchObject({
      scanned: 0,
      firstKey: null,
      lastKey: null,
      kept: {},
    });
  });
});
