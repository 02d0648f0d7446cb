import { AuditIntegrityService } from '../../src/modules/audit/audit-integrity.service';
import { AuditRepository } from '../../src/modules/audit/audit.repository';
import { AuditAccessSummaryService } from '../../src/modules/audit/audit-access-summary.service';
import { AuditService } from '../../src/modules/audit/audit.service';
import type { Actor } from '../../src/policies/principal';
import { IntegrationContext, startIntegrationModule } from '../utils/integration-module';
import { queryRows } from '../utils/test-database';

const DPO: Actor = { type: 'principal', id: '00000000-0000-4000-8000-000000000001', name: 'DPO' };
const APP: Actor = { type: 'principal', id: '00000000-0000-4000-8000-00000000000a', name: 'crm' };

describe('AuditRepository and AuditIntegrityService on PostgreSQL (integration)', () => {
  let ctx: IntegrationContext;
  let audit: AuditService;
  let integrity: AuditIntegrityService;
  let repository: AuditRepository;

  beforeAll(async () => {
    ctx = await startIntegrationModule({ env: { AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0' } });
    audit = ctx.get(AuditService);
    integrity = ctx.get(AuditIntegrityService);
    repository = ctx.get(AuditRepository);
  });
  afterAll(() => ctx?.close());

  const appendEvents = (n: number) =>
    audit.appendMany(
      Array.from({ length: n }, (_, i) => ({
        type: 'legal_hold.placed' as const,
        actor: DPO,
        payload: { n: i },
      })),
    );

  it('reads the head, an event hash and a window of the chain in seq order', async () => {
    expect(await repository.head()).toBeNull();
    const written = await appendEvents(5);
    const head = await repository.head();
    expect(head).toEqual({ seq: written[4].seq, hash: written[4].hash });
    expect(await repository.eventHash(written[1].seq)).toBe(written[1].hash);
    expect(await repository.eventHash(head!.seq + 100)).toBeNull();
    const window = await repository.eventsInSeqWindow(written[1].seq, written[3].seq, 2);
    expect(window.map((r) => Number(r.seq))).toEqual([written[1].seq, written[2].seq]);
  });

  it('lists checkpoints newest first with a cursor, and exports them oldest first up to an id', async () => {
    const first = await integrity.createCheckpoint();
    await appendEvents(2);
    const second = await integrity.createCheckpoint();
    await appendEvents(1);
    const third = await integrity.createCheckpoint();
    expect([first, second, third].every((c) => c !== null)).toBe(true);
    expect(await integrity.lastCheckpointId()).toBe(third!.id);
    expect(await integrity.latestCheckpoint()).toEqual(third);

    const page1 = await integrity.listCheckpoints({ limit: 2 });
    expect(page1.items.map((c) => c.id)).toEqual([third!.id, second!.id]);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = await integrity.listCheckpoints({ limit: 2, cursor: page1.nextCursor! });
    expect(page2.items).toEqual([first]);
    expect(page2.nextCursor).toBeNull();

    const exported: number[] = [];
    for await (const batch of integrity.checkpointsUpTo(second!.id, 1))
      exported.push(...batch.map((c) => c.id));
    expect(exported).toEqual([first!.id, second!.id]);

    const sealing = await repository.checkpointsSealing(first!.headSeq + 1, third!.headSeq);
    expect(sealing.map((c) => c.id)).toEqual([second!.id, third!.id]);
  });

  it('verifies a small chain with its checkpoints, and finds an event rewritten under a checkpoint', async () => {
    const ok = await integrity.verify();
    expect(ok).toMatchObject({ ok: true, fromSeq: 1, firstBreak: null });
    expect(ok.checkedEvents).toBe(8);
    expect(ok.checkpoints.checked).toBe(3);

    const ranged = await integrity.verify({ fromSeq: 3, toSeq: 6 });
    expect(ranged).toMatchObject({ ok: true, fromSeq: 3, toSeq: 6, checkedEvents: 4 });

    // The append-only triggers do not fire for a replica session (docs/audit.md, ADR 0017).
    await queryRows(
      ctx.databaseUrl,
      `BEGIN; SET LOCAL session_replication_role = replica;
       UPDATE audit_event SET payload = '{"n": 99}'::jsonb WHERE seq = 4; COMMIT;`,
    );
    const broken = await integrity.verify();
    expect(broken.ok).toBe(false);
    expect(broken.firstBreak?.seq).toBe(4);
  });

  it('counts recorded access decisions and the most frequent denial reasons in a period', async () => {
    const from = new Date(Date.now() - 60_000);
    const decision = (allowed: boolean, reason?: string, archive?: { justification: string }) => ({
      type: 'access.checked' as const,
      actor: APP,
      purposeCode: 'billing',
      payload: {
        decision: allowed ? 'allow' : 'deny',
        fields: [{ field: 'email', allowed, reason }],
        ...(archive ? { phase: 'archive', ...archive } : {}),
      },
    });
    // An access to the intermediate archive is counted apart (its phase, ADR 0054).
    const archived = decision(true, undefined, { justification: 'Dispute 2026-114' });
    await audit.appendMany([
      decision(true),
      decision(false, 'CONSENT_WITHDRAWN'),
      decision(false, 'CONSENT_WITHDRAWN'),
      archived,
    ]);
    const to = new Date(Date.now() + 60_000);
    const summary = ctx.get(AuditAccessSummaryService);
    const row = { actorId: APP.id, actorName: 'crm', purposeCode: 'billing' };
    expect(await summary.decisionCounts('access.checked', from, to)).toEqual([
      { ...row, decision: 'allow', phase: 'active', count: 1 },
      { ...row, decision: 'allow', phase: 'archive', count: 1 },
      { ...row, decision: 'deny', phase: 'active', count: 2 },
    ]);
    expect(await summary.topDenialReasons('access.checked', from, to)).toEqual([
      { reason: 'CONSENT_WITHDRAWN', count: 2 },
    ]);
  });
});
