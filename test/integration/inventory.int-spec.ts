import { Client } from 'pg';
import { InventoryModule } from '../../src/modules/inventory/inventory.module';
import { AuditService } from '../../src/modules/audit/audit.service';
import { DatasetsService } from '../../src/modules/inventory/datasets.service';
import { FieldsService } from '../../src/modules/inventory/fields.service';
import { InventoryRepository } from '../../src/modules/inventory/inventory.repository';
import { InventoryReadModel } from '../../src/modules/inventory/inventory-read-model.service';
import { SystemsService } from '../../src/modules/inventory/systems.service';
import { PurposesService } from '../../src/modules/purposes/purposes.service';
import { SYSTEM_ABILITY } from '../../src/policies/ability.factory';
import type { Actor } from '../../src/policies/principal';
import { datasetInput, systemInput } from '../factories/inventory.factory';
import { purposeInput } from '../factories/purpose.factory';
import { IntegrationContext, startIntegrationModule } from '../utils/integration-module';
import { connectTo, queryRows, until } from '../utils/test-database';

const DPO: Actor = { type: 'principal', id: '00000000-0000-4000-8000-000000000001', name: 'DPO' };

describe('Inventory services and repository on PostgreSQL (integration)', () => {
  let ctx: IntegrationContext;
  let systems: SystemsService;
  let datasets: DatasetsService;
  let fields: FieldsService;
  let readModel: InventoryReadModel;
  let repository: InventoryRepository;

  beforeAll(async () => {
    ctx = await startIntegrationModule({ imports: [InventoryModule] });
    systems = ctx.get(SystemsService);
    datasets = ctx.get(DatasetsService);
    fields = ctx.get(FieldsService);
    readModel = ctx.get(InventoryReadModel);
    repository = ctx.get(InventoryRepository);
  });
  afterAll(() => ctx?.close());

  const auditCount = async (type: string, targetId: string) =>
    Number(
      (
        await queryRows<{ n: string }>(
          ctx.databaseUrl,
          'SELECT count(*) AS n FROM audit_event WHERE type = $1 AND target_id = $2',
          [type, targetId],
        )
      )[0].n,
    );
  const revision = async () =>
    Number(
      (await queryRows<{ r: string }>(ctx.databaseUrl, 'SELECT revision AS r FROM register_revision'))[0].r,
    );

  async function activePurpose(overrides: Record<string, unknown> = {}): Promise<string> {
    const purposes = ctx.get(PurposesService);
    const created = await purposes.create(purposeInput(overrides) as never, DPO);
    await purposes.activate(created.code, DPO);
    return created.code;
  }

  it('writes a system, a dataset, a field and its bindings, each with its audit event and a revision bump', async () => {
    const purpose = await activePurpose({ legalBasis: 'contract' });
    const startRevision = await revision();

    await systems.createSystem(systemInput({ code: 'shop' }) as never, DPO);
    await datasets.createDataset('shop', datasetInput({ name: 'public.orders' }) as never, DPO);
    await fields.createField(
      { system: 'shop', dataset: 'public.orders', column: 'email', dataCategory: 'contact' } as never,
      DPO,
    );
    const bound = await fields.replaceBindings(
      'shop.orders.email',
      { bindings: [{ purpose, actions: ['read'] }] } as never,
      DPO,
    );

    expect(bound.purposeCodes).toEqual([purpose]);
    expect(await revision()).toBe(startRevision + 4);
    expect(await auditCount('system.created', 'shop')).toBe(1);
    expect(await auditCount('dataset.created', 'shop/public.orders')).toBe(1);
    expect(await auditCount('field.created', 'shop.orders.email')).toBe(1);
    expect(await auditCount('field.bindings_replaced', 'shop.orders.email')).toBe(1);

    const policy = await readModel.getPolicyInventory();
    expect(policy.bindings).toEqual([
      expect.objectContaining({ fieldKey: 'shop.orders.email', purposeCode: purpose, actions: ['read'] }),
    ]);
    // Replacing the bindings with the same set changes nothing and records nothing.
    await fields.replaceBindings(
      'shop.orders.email',
      { bindings: [{ purpose, actions: ['read'] }] } as never,
      DPO,
    );
    expect(await auditCount('field.bindings_replaced', 'shop.orders.email')).toBe(1);
  });

  it('rolls the change back with its audit record when the record cannot be written', async () => {
    const audit = ctx.get(AuditService);
    const spy = jest
      .spyOn(audit, 'recordInTransaction')
      .mockRejectedValueOnce(new Error('audit trail unreachable'));
    const before = await revision();
    try {
      await expect(systems.createSystem(systemInput({ code: 'lost' }) as never, DPO)).rejects.toThrow(
        'audit trail unreachable',
      );
    } finally {
      spy.mockRestore();
    }
    expect(await repository.findSystem('lost')).toBeNull();
    expect(await auditCount('system.created', 'lost')).toBe(0);
    expect(await revision()).toBe(before);
  });

  it('waits for the register write lock: no inventory write commits while another register writer holds it', async () => {
    const holder: Client = await connectTo(ctx.databaseUrl);
    let settled = false;
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT revision FROM register_revision WHERE id = 1 FOR UPDATE');
      const write = systems.createSystem(systemInput({ code: 'queued' }) as never, DPO).finally(() => {
        settled = true;
      });
      // The service's transaction is blocked on the row lock (PostgreSQL says so), not yet written.
      await until('the system write waits on the register lock', async () => {
        const rows = await queryRows<{ n: string }>(
          ctx.databaseUrl,
          `SELECT count(*) AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND query LIKE '%register_revision%'`,
        );
        return Number(rows[0].n) > 0;
      });
      expect(settled).toBe(false);
      expect(await repository.findSystem('queued')).toBeNull();
      await holder.query('COMMIT');
      await write;
      expect(await repository.findSystem('queued')).not.toBeNull();
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  });

  it('refuses to delete a system with datasets or a dataset with fields, leaving both in place', async () => {
    await systems.createSystem(systemInput({ code: 'full' }) as never, DPO);
    await datasets.createDataset('full', datasetInput({ name: 'public.people' }) as never, DPO);
    await fields.createField(
      { system: 'full', dataset: 'public.people', column: 'name', dataCategory: 'identity' } as never,
      DPO,
    );

    await expect(systems.deleteSystem('full', DPO)).rejects.toMatchObject({ code: 'SYSTEM_NOT_EMPTY' });
    await expect(datasets.deleteDataset('full', 'public.people', DPO)).rejects.toMatchObject({
      code: 'DATASET_NOT_EMPTY',
    });
    expect((await systems.getSystem('full')).datasetCount).toBe(1);
    expect((await datasets.getDataset('full', 'public.people')).fieldCount).toBe(1);
    expect(await auditCount('system.deleted', 'full')).toBe(0);
  });

  it('gives the retention engine the decrypted connection string, stored encrypted', async () => {
    const secret = 'postgres://app:s3cret@127.0.0.1:5432/shop';
    await systems.createSystem(
      systemInput({ code: 'pg', kind: 'postgres', connectionString: secret }) as never,
      DPO,
    );
    await datasets.createDataset('pg', datasetInput({ name: 'public.clients' }) as never, DPO);

    const stored = await queryRows<{ c: string }>(
      ctx.databaseUrl,
      `SELECT connection_string_encrypted AS c FROM inventory_system WHERE code = 'pg'`,
    );
    expect(stored[0].c).not.toContain('s3cret');
    const [plan] = await readModel.getRetentionPlan({ systemCode: 'pg' });
    expect(plan.system.connectionString).toBe(secret);
    expect(await readModel.systemConnectionString('pg')).toBe(secret);
    expect(await readModel.systemConnectionString('nowhere')).toBeNull();
  });

  it('reads fields in byte order of their keys, in batches (repository keyset)', async () => {
    await systems.createSystem(systemInput({ code: 'order' }) as never, DPO);
    await datasets.createDataset('order', datasetInput({ name: 'public.t' }) as never, DPO);
    for (const column of ['b', 'a', 'C', 'c']) {
      await fields.createField(
        { system: 'order', dataset: 'public.t', column, dataCategory: 'identity' } as never,
        DPO,
      );
    }
    const keys: string[] = [];
    for await (const batch of readModel.iterateFields({ system: 'order' }, SYSTEM_ABILITY, 1)) {
      keys.push(...batch.map((f) => f.key));
    }
    expect(keys).toEqual(['order.t.C', 'order.t.a', 'order.t.b', 'order.t.c']);
    const all = await readModel.listAllFields({ system: 'order' }, SYSTEM_ABILITY);
    expect(all.map((f) => f.key)).toEqual(keys);
  });
});
