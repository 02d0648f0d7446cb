import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { SecretCipher } from '../../common/secrets/secret-cipher';
import type { Actor } from '../../policies/principal';
import type { InventorySystemEntity } from './entities/inventory-system.entity';
import { SystemKind } from './inventory.model';
import { InventoryRepository } from './inventory.repository';
import { InventoryChanges } from './inventory-changes';
import { SystemSecrets } from './system-secrets';
import { SystemsService } from './systems.service';
import type { ProcessorsService } from '../processors/processors.service';

// The repository class is replaced by jest's automock: every method a jest.fn, no database.
jest.mock('./inventory.repository');
jest.mock('./inventory-changes');

const DPO: Actor = { type: 'principal', id: '00000000-0000-4000-8000-000000000001', name: 'DPO' };
const TX = {} as EntityManager;

function storedSystem(overrides: Partial<InventorySystemEntity> = {}): InventorySystemEntity {
  return {
    id: 'sys-1',
    code: 'crm',
    name: 'CRM',
    description: null,
    owner: 'Sales',
    hostingLocation: null,
    hostingCountry: 'FR',
    kind: SystemKind.Manual,
    webhookUrl: null,
    retentionSchedule: null,
    processorCode: null,
    connectionStringEncrypted: null,
    webhookSecretEncrypted: null,
    version: 3,
    createdBy: DPO.id,
    updatedBy: DPO.id,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

describe('SystemsService with its repository replaced', () => {
  let repository: jest.Mocked<InventoryRepository>;
  let changes: jest.Mocked<InventoryChanges>;
  let service: SystemsService;

  beforeEach(() => {
    repository = new (
      InventoryRepository as unknown as new () => InventoryRepository
    )() as jest.Mocked<InventoryRepository>;
    changes = new (
      InventoryChanges as unknown as new () => InventoryChanges
    )() as jest.Mocked<InventoryChanges>;
    changes.transaction.mockImplementation((work) => work(TX));
    repository.newSystem.mockImplementation((_m, init) => ({ ...init }) as InventorySystemEntity);
    repository.saveSystem.mockImplementation(async (_m, s) => ({ ...storedSystem(), ...s }));
    const secrets = new SystemSecrets(new SecretCipher(randomBytes(32)));
    // No test here names a processor: the processor register is never asked.
    const processors = { assertKnown: jest.fn() } as unknown as ProcessorsService;
    service = new SystemsService(repository, changes, secrets, processors);
  });

  it('refuses to delete a system that still has datasets, and writes nothing', async () => {
    repository.lockSystem.mockResolvedValue(storedSystem());
    repository.countDatasets.mockResolvedValue(2);

    await expect(service.deleteSystem('crm', DPO)).rejects.toMatchObject({ code: 'SYSTEM_NOT_EMPTY' });
    expect(repository.deleteSystem).not.toHaveBeenCalled();
    expect(changes.record).not.toHaveBeenCalled();
  });

  it('deletes an empty system and records it in the same transaction', async () => {
    repository.lockSystem.mockResolvedValue(storedSystem());
    repository.countDatasets.mockResolvedValue(0);

    await service.deleteSystem('crm', DPO);
    expect(repository.deleteSystem).toHaveBeenCalledWith(TX, 'sys-1');
    expect(changes.record).toHaveBeenCalledWith(
      TX,
      DPO,
      'system.deleted',
      { type: 'system', id: 'crm' },
      { before: expect.objectContaining({ code: 'crm', hasConnection: false }) },
    );
  });

  it('refuses a stale version without saving', async () => {
    repository.lockSystem.mockResolvedValue(storedSystem({ version: 3 }));

    await expect(service.updateSystem('crm', { name: 'New' }, DPO, 2)).rejects.toMatchObject({
      code: 'SYSTEM_VERSION_MISMATCH',
    });
    expect(repository.saveSystem).not.toHaveBeenCalled();
  });

  it('records nothing and keeps the version for an update that changes nothing', async () => {
    repository.lockSystem.mockResolvedValue(storedSystem({ version: 3 }));
    repository.countDatasets.mockResolvedValue(1);

    const view = await service.updateSystem('crm', { name: 'CRM' }, DPO);
    expect(view.version).toBe(3);
    expect(repository.saveSystem).not.toHaveBeenCalled();
    expect(changes.record).not.toHaveBeenCalled();
  });

  it('applies the kind rules before saving: a webhook system needs a URL', async () => {
    repository.systemExists.mockResolvedValue(false);

    await expect(
      service.createSystem({ code: 'hook', name: 'Hook', kind: SystemKind.Webhook }, DPO),
    ).rejects.toMatchObject({ code: 'SYSTEM_RULE_VIOLATED' });
    expect(repository.saveSystem).not.toHaveBeenCalled();
  });

  it('stores a postgres connection string encrypted, never in clear', async () => {
    repository.systemExists.mockResolvedValue(false);

    const view = await service.createSystem(
      {
        code: 'db',
        name: 'DB',
        kind: SystemKind.Postgres,
        connectionString: 'postgres://u:pw@h/db',
      },
      DPO,
    );
    const saved = repository.saveSystem.mock.calls[0][1];
    expect(saved.connectionStringEncrypted).toEqual(expect.any(String));
    expect(saved.connectionStringEncrypted).not.toContain('pw@h');
    expect(view.hasConnection).toBe(true);
    expect(changes.record).toHaveBeenCalledWith(
      TX,
      DPO,
      'system.created',
      { type: 'system', id: 'db' },
      expect.anything(),
    );
  });

  it('answers 404 for an unknown system', async () => {
    repository.lockSystem.mockResolvedValue(null);
    await expect(service.deleteSystem('nope', DPO)).rejects.toMatchObject({ code: 'SYSTEM_NOT_FOUND' });
  });
});
