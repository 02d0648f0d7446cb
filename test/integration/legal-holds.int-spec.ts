import { LegalHoldsModule } from '../../src/modules/legal-holds/legal-holds.module';
import { LegalHoldsService } from '../../src/modules/legal-holds/legal-holds.service';
import type { Actor } from '../../src/policies/principal';
import { IntegrationContext, startIntegrationModule } from '../utils/integration-module';
import { queryRows } from '../utils/test-database';

const DPO: Actor = { type: 'principal', id: '00000000-0000-4000-8000-000000000001', name: 'DPO' };

describe('LegalHoldsService on PostgreSQL (integration)', () => {
  let ctx: IntegrationContext;
  let holds: LegalHoldsService;

  beforeAll(async () => {
    ctx = await startIntegrationModule({ imports: [LegalHoldsModule] });
    holds = ctx.get(LegalHoldsService);
  });
  afterAll(() => ctx?.close());

  const eventsOfType = async (type: string) =>
    (
      await queryRows<{ n: string }>(
        ctx.databaseUrl,
        'SELECT count(*) AS n FROM audit_event WHERE type = $1',
        [type],
      )
    )[0].n;

  it('covers a dataset through its own, its system and subject holds, until each is lifted', async () => {
    const onDataset = await holds.place(
      { scope: 'dataset', datasetId: 'ds-1', reason: 'Litigation 2026-17' },
      DPO,
    );
    const onSystem = await holds.place({ scope: 'system', systemCode: 'crm', reason: 'Tax audit' }, DPO);
    const onSubject = await holds.place({ scope: 'subject', subjectId: 'cust-42', reason: 'Claim' }, DPO);
    await holds.place({ scope: 'dataset', datasetId: 'ds-other', reason: 'Elsewhere' }, DPO);

    const covered = await holds.coverage('crm', 'ds-1');
    expect(covered.wholeDataset.map((h) => h.id).sort()).toEqual([onDataset.id, onSystem.id].sort());
    expect(covered.subjects.get('cust-42')).toEqual({ id: onSubject.id, reason: 'Claim' });

    await holds.lift(onSystem.id, DPO);
    expect((await holds.coverage('crm', 'ds-1')).wholeDataset.map((h) => h.id)).toEqual([onDataset.id]);
    expect(await eventsOfType('legal_hold.placed')).toBe('4');
    expect(await eventsOfType('legal_hold.lifted')).toBe('1');
  });

  it('ignores a hold whose end date has passed, and records nothing for a refused lift', async () => {
    const ended = await holds.place(
      { scope: 'dataset', datasetId: 'ds-2', reason: 'Ended', endsAt: new Date(Date.now() - 60_000) },
      DPO,
    );
    expect((await holds.coverage('crm', 'ds-2')).wholeDataset).toEqual([]);

    await holds.lift(ended.id, DPO);
    const liftedBefore = await eventsOfType('legal_hold.lifted');
    await expect(holds.lift(ended.id, DPO)).rejects.toMatchObject({ code: 'LEGAL_HOLD_ALREADY_LIFTED' });
    expect(await eventsOfType('legal_hold.lifted')).toBe(liftedBefore);
  });
});
