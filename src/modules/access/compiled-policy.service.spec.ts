import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import type { SubjectStateService } from '../consents/subject-state.service';
import type { InventoryReadModel } from '../inventory/inventory-read-model.service';
import type { PurposesService } from '../purposes/purposes.service';
import type { RegisterRevisionService } from '../register-revision/register-revision.service';
import { AccessCheckUnavailable } from './access.errors';
import { CompiledPolicyService } from './compiled-policy.service';

/**
 * The policy's fail-closed rules, with the register reads scripted (the LISTEN/NOTIFY and
 * PostgreSQL paths are covered end to end in test/e2e/access-multi-instance.e2e-spec.ts and
 * test/e2e/access-decisions.e2e-spec.ts).
 */
describe('CompiledPolicyService', () => {
  let revision: number;
  let registerReadable: boolean;
  let commitListeners: (() => void)[];
  let service: CompiledPolicyService;

  const build = (embeddedDatabase: boolean) => {
    commitListeners = [];
    const purposes = {
      listAll: () =>
        registerReadable ? Promise.resolve([]) : Promise.reject(new Error('connection terminated')),
    } as unknown as PurposesService;
    const inventory = {
      getPolicyInventory: () => Promise.resolve({ fields: [], bindings: [] }),
    } as unknown as InventoryReadModel;
    const registerRevision = {
      current: () => Promise.resolve(revision),
      onLocalCommit: (listener: () => void) => {
        commitListeners.push(listener);
        return () => undefined;
      },
    } as unknown as RegisterRevisionService;
    const subjectState = {
      trustCacheWhileFresh: () => undefined,
      invalidateRef: () => undefined,
    } as unknown as SubjectStateService;
    // No DATABASE_URL needed: the tests below never start the listener.
    const config = { embeddedDatabase } as AppConfig;
    // The rebuild reads in one read-only snapshot: a transaction whose manager the fakes ignore.
    const dataSource = {
      transaction: (_isolation: string, work: (m: unknown) => Promise<unknown>) =>
        work({ query: () => Promise.resolve([]) }),
    } as unknown as DataSource;
    return new CompiledPolicyService(dataSource, config, purposes, inventory, registerRevision, subjectState);
  };

  beforeEach(async () => {
    revision = 1;
    registerReadable = true;
    service = build(true);
    service.onModuleInit();
    await service.current();
  });

  afterEach(async () => {
    await service.onApplicationShutdown();
  });

  it('decides with the compiled register while it is current', async () => {
    expect((await service.current()).revision).toBe(1);
  });

  it('refuses to decide (503) when a newer register is known but cannot be read', async () => {
    revision = 2;
    registerReadable = false;
    commitListeners.forEach((notify) => notify()); // a register write committed here
    await expect(service.current()).rejects.toBeInstanceOf(AccessCheckUnavailable);
    // And recovers by itself once the register can be read again.
    registerReadable = true;
    expect((await service.current()).revision).toBe(2);
  });

  it('keeps deciding when a rebuild fails but nothing newer was announced', async () => {
    registerReadable = false;
    expect((await service.current()).revision).toBe(1);
  });

  it('refuses to decide (503) when it never compiled a register', async () => {
    registerReadable = false;
    const cold = build(true);
    await expect(cold.current()).rejects.toBeInstanceOf(AccessCheckUnavailable);
  });
});
