import type { EntityManager } from 'typeorm';
import { datasetPlan, planField } from '../../../test/factories/retention-plan.factory';
import type { AppConfig } from '../../config/app-config';
import { SYSTEM_ACTOR } from '../../policies/principal';
import type { AuditService } from '../audit/audit.service';
import type { RetentionDatasetPlan } from '../inventory/inventory.types';
import type { RetentionRunEntity } from './entities/retention-run.entity';
import type { RetentionRunRepository } from './ledger/retention-run.repository';
import type { RunLifecycle } from './ledger/run-lifecycle.service';
import type { RunDatasetRepository } from './ledger/run-dataset.repository';
import { RetentionConsentListener } from './retention-consent.listener';
import type { RetentionPlanSource } from './retention-plan.source';
import type { RetentionRunner } from './retention-runner.service';
import { RetentionService } from './retention.service';

/** RetentionService's rules with its repositories and collaborators replaced. */
function serviceWith(plans: RetentionDatasetPlan[], options: { busy?: string[]; status?: string } = {}) {
  const inserted: { run: Partial<RetentionRunEntity>; datasets: string[] }[] = [];
  const calls: string[] = [];
  const stored = (id: string) =>
    ({
      id,
      kind: 'on_demand',
      status: options.status ?? 'queued',
      dryRun: false,
      systemCode: null,
      datasetId: null,
      cancelRequested: false,
      requestedBy: SYSTEM_ACTOR,
      createdAt: new Date(),
      startedAt: null,
      finishedAt: null,
      error: null,
    }) as unknown as RetentionRunEntity;
  const runs: Partial<RetentionRunRepository> = {
    transaction: <T>(work: (m: EntityManager) => Promise<T>) => work({} as EntityManager),
    lockCreation: () => Promise.resolve(),
    busyDatasets: (_m, ids) =>
      Promise.resolve(
        ids
          .filter((id) => options.busy?.includes(id))
          .map((id) => ({ datasetId: id, dataset: id, runId: 'other' })),
      ),
    insert: (_m, run, targeted) => {
      inserted.push({ run, datasets: targeted.map((p) => p.dataset.id) });
      return Promise.resolve(stored('run-1'));
    },
    find: (id) => Promise.resolve(stored(id)),
    lockForUpdate: (_m, id) => Promise.resolve(stored(id)),
    requestCancel: () => {
      calls.push('requestCancel');
      return Promise.resolve();
    },
  };
  const datasets: Partial<RunDatasetRepository> = { ofRuns: () => Promise.resolve([]) };
  const runner: Partial<RetentionRunner> = {
    dispatch: (id) => {
      calls.push(`dispatch:${id}`);
      return Promise.resolve();
    },
  };
  const completion: Partial<RunLifecycle> = {
    cancelRemaining: (id) => {
      calls.push(`cancelRemaining:${id}`);
      return Promise.resolve();
    },
    finishIfDone: (id) => {
      calls.push(`finishIfDone:${id}`);
      return Promise.resolve();
    },
  };
  const source: Partial<RetentionPlanSource> = { getRetentionPlan: () => Promise.resolve(plans) };
  const audit: Partial<AuditService> = { recordInTransaction: () => Promise.resolve(undefined as never) };
  const none = {} as never;
  const service = new RetentionService(
    {} as AppConfig,
    audit as AuditService,
    source as RetentionPlanSource,
    none,
    none,
    runner as RetentionRunner,
    runs as RetentionRunRepository,
    datasets as RunDatasetRepository,
    none,
    none,
    completion as RunLifecycle,
    none,
    none,
    none,
  );
  return { service, inserted, calls };
}

const newsletter = datasetPlan({ id: 'ds-news' }, [planField('email', ['marketing.newsletter'])]);
const support = datasetPlan({ id: 'ds-support', name: 'public.tickets' }, [
  planField('email', ['crm.support']),
]);

describe('RetentionService', () => {
  describe('purgeAfterWithdrawal', () => {
    it('queues a subject-level purge of the datasets bound to the withdrawn purpose only', async () => {
      const { service, inserted, calls } = serviceWith([newsletter, support]);
      await service.purgeAfterWithdrawal('cust-42', 'marketing.newsletter');
      expect(inserted).toEqual([
        {
          run: expect.objectContaining({
            kind: 'consent_withdrawal',
            subjectIds: ['cust-42'],
            purposeCodes: ['marketing.newsletter'],
            dryRun: false,
          }) as unknown,
          datasets: ['ds-news'],
        },
      ]);
      expect(calls).toEqual(['dispatch:run-1']);
    });

    it('creates no run when no dataset is bound to the purpose', async () => {
      const { service, inserted, calls } = serviceWith([support]);
      expect(await service.purgeAfterWithdrawal('cust-42', 'marketing.newsletter')).toBeNull();
      expect(inserted).toEqual([]);
      expect(calls).toEqual([]);
    });

    it('is not held back by a busy dataset (only on-demand and scheduled purges are)', async () => {
      const { service, inserted } = serviceWith([newsletter], { busy: ['ds-news'] });
      await service.purgeAfterWithdrawal('cust-42', 'marketing.newsletter');
      expect(inserted[0].datasets).toEqual(['ds-news']);
    });
  });

  describe('createRun', () => {
    it('refuses (409) a purge naming a busy dataset, and creates nothing', async () => {
      const { service, inserted } = serviceWith([newsletter], { busy: ['ds-news'] });
      await expect(
        service.createRun({ dryRun: false, dataset: 'public.customers' }, SYSTEM_ACTOR),
      ).rejects.toMatchObject({ code: 'RETENTION_RUN_IN_PROGRESS' });
      expect(inserted).toEqual([]);
    });

    it('leaves the busy datasets out of a run over every system', async () => {
      const { service, inserted } = serviceWith([newsletter, support], { busy: ['ds-news'] });
      await service.createRun({ dryRun: false }, SYSTEM_ACTOR);
      expect(inserted[0].datasets).toEqual(['ds-support']);
    });
  });

  describe('cancel', () => {
    it('ends a queued run at once', async () => {
      const { service, calls } = serviceWith([], { status: 'queued' });
      await service.cancel('run-9', SYSTEM_ACTOR);
      expect(calls).toEqual(['requestCancel', 'cancelRemaining:run-9']);
    });

    it('leaves a running run to stop at its next batch', async () => {
      const { service, calls } = serviceWith([], { status: 'running' });
      await service.cancel('run-9', SYSTEM_ACTOR);
      expect(calls).toEqual(['requestCancel']);
    });

    it('refuses to cancel a finished run', async () => {
      const { service, calls } = serviceWith([], { status: 'completed' });
      await expect(service.cancel('run-9', SYSTEM_ACTOR)).rejects.toMatchObject({
        code: 'RETENTION_RUN_FINISHED',
      });
      expect(calls).toEqual([]);
    });
  });
});

describe('RetentionConsentListener', () => {
  it('asks the service for the purge of the withdrawn purpose, and never throws into the emitter', async () => {
    const asked: string[] = [];
    const ok = new RetentionConsentListener({
      purgeAfterWithdrawal: (s: string, p: string) => {
        asked.push(`${s}/${p}`);
        return Promise.resolve(null);
      },
    } as unknown as RetentionService);
    await ok.onConsentWithdrawn({ subjectId: 'cust-1', purposeCode: 'marketing.newsletter' } as never);
    expect(asked).toEqual(['cust-1/marketing.newsletter']);

    const failing = new RetentionConsentListener({
      purgeAfterWithdrawal: () => Promise.reject(new Error('database down')),
    } as unknown as RetentionService);
    await expect(
      failing.onConsentWithdrawn({ subjectId: 'cust-1', purposeCode: 'marketing.newsletter' } as never),
    ).resolves.toBeUndefined();
  });
});
