import type { PersonalFieldResponseDto } from '../../src/modules/inventory/dto/field.dto';
import { DataCategory, FieldFlag } from '../../src/modules/inventory/inventory.model';
import { FieldFilter, InventoryReadModel } from '../../src/modules/inventory/inventory-read-model.service';
import { SYSTEM_ABILITY } from '../../src/policies/ability.factory';
import { Role } from '../../src/policies/role.enum';
import { datasetInput, systemInput } from '../factories/inventory.factory';
import { purposeInput } from '../factories/purpose.factory';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

describe('InventoryReadModel.iterateFields: keyset batches (PostgreSQL)', () => {
  let t: TestApp;
  let inventory: InventoryReadModel;
  const dpo = () => t.as(Role.Dpo);

  async function collect(filter: FieldFilter, batchSize: number): Promise<PersonalFieldResponseDto[][]> {
    const batches: PersonalFieldResponseDto[][] = [];
    for await (const batch of inventory.iterateFields(filter, SYSTEM_ABILITY, batchSize)) batches.push(batch);
    return batches;
  }

  beforeAll(async () => {
    t = await startTestApp();
    inventory = t.app.get(InventoryReadModel);
    for (const [code, extra] of [
      ['sales.orders', { retention: { duration: 'P5Y', trigger: 'contract_end' } }],
      [
        'support.care',
        {
          specialCategoryCondition: 'explicit_consent',
          retention: { duration: 'P2Y', trigger: 'collection' },
        },
      ],
    ] as const) {
      await dpo()
        .post('/purposes')
        .send(purposeInput({ code, ...extra }))
        .expect(201);
      await dpo().post(`/purposes/${code}/activate`).expect(200);
    }
    await dpo().post('/systems').send(systemInput()).expect(201);
    await dpo()
      .post('/systems')
      .send(systemInput({ code: 'hr', name: 'HR' }))
      .expect(201);
    await dpo().post('/systems/crm/datasets').send(datasetInput()).expect(201);
    await dpo()
      .post('/systems/crm/datasets')
      .send(datasetInput({ name: 'billing.invoices', timestampColumns: {} }))
      .expect(201);
    await dpo()
      .post('/systems/hr/datasets')
      .send(datasetInput({ name: 'public.staff' }))
      .expect(201);

    // 500 fields straight into the tables, with keys whose byte order differs from most locales'.
    const db = await connectTo(t.databaseUrl!);
    try {
      await db.query(`
        INSERT INTO personal_field (key, dataset_id, column_name, data_category, special)
        SELECT s.code || '.' || CASE WHEN split_part(d.name, '.', 1) = 'public'
                 THEN split_part(d.name, '.', 2) ELSE d.name END || '.' || c.col,
               d.id, c.col, CASE WHEN c.n % 4 = 0 THEN 'health' ELSE 'contact' END, c.n % 4 = 0
        FROM inventory_dataset d JOIN inventory_system s ON s.id = d.system_id
        CROSS JOIN LATERAL (
          SELECT n, (ARRAY['c', 'C', '_c', 'c_', 'Zc'])[n % 5 + 1] || n AS col
          FROM generate_series(1, CASE WHEN d.name = 'public.staff' THEN 100 ELSE 200 END) AS n
        ) c`);
      await db.query(`
        INSERT INTO field_purpose (field_id, purpose_code, actions)
        SELECT id, 'sales.orders', '["read"]'::jsonb FROM personal_field WHERE NOT special AND abs(hashtext(key)) % 5 < 3`);
      await db.query(`
        INSERT INTO field_purpose (field_id, purpose_code, actions)
        SELECT id, 'support.care', '["read"]'::jsonb FROM personal_field WHERE abs(hashtext(key || '!')) % 2 = 0`);
    } finally {
      await db.end();
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('returns every field exactly once, in key order, across batch boundaries, as listAllFields does', async () => {
    const all = await inventory.listAllFields({}, SYSTEM_ABILITY);
    expect(all).toHaveLength(500);
    // Not vacuous: bound fields carry an effective retention, unbound ones the flag.
    expect(all.some((f) => f.effectiveRetention !== null)).toBe(true);
    expect(all.some((f) => f.flags.includes(FieldFlag.Unbound))).toBe(true);

    for (const size of [7, 100, 500, 1000]) {
      const batches = await collect({}, size);
      expect(batches).toHaveLength(Math.ceil(500 / size));
      expect(batches.every((b) => b.length > 0 && b.length <= size)).toBe(true);
      const flat = batches.flat();
      expect(new Set(flat.map((f) => f.key)).size).toBe(500);
      expect(
        flat.every((f, i) => i === 0 || Buffer.compare(Buffer.from(flat[i - 1].key), Buffer.from(f.key)) < 0),
      ).toBe(true);
      // Same view shape, bindings, effective retention and flags as the one-read method.
      expect(flat).toEqual(all);
    }
  });

  it('applies the filters of listAllFields', async () => {
    const filters: FieldFilter[] = [
      { purpose: 'support.care' },
      { unbound: true },
      { system: 'hr', special: true },
      { category: DataCategory.Contact, unbound: false },
    ];
    for (const filter of filters) {
      const expected = await inventory.listAllFields(filter, SYSTEM_ABILITY);
      expect(expected.length).toBeGreaterThan(0);
      expect((await collect(filter, 13)).flat()).toEqual(expected);
    }
    expect(await collect({ system: 'nope' }, 13)).toEqual([]);
  });
});
