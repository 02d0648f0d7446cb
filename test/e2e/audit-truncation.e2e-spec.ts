import { DataSource } from 'typeorm';
import { AuditIntegrityService } from '../../src/modules/audit/audit-integrity.service';
import { AuditService } from '../../src/modules/audit/audit.service';
import { SYSTEM_ACTOR } from '../../src/policies/principal';
import { queryRows } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * After a tail sealed by a signed checkpoint is cut (by someone bypassing the guards), nothing is
 * chained onto the cut head — on the writer's one-statement fast path too, whose head check alone
 * would accept a head equal to the one it last wrote.
 */
describe('Audit appends after a truncated tail (PostgreSQL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ provision: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses the fast path when a checkpoint lies beyond the head it would extend', async () => {
    const audit = t.app.get(AuditService);
    const dataSource = t.app.get(DataSource);
    // The writer's own last event: its fast path will expect this head.
    const mine = await audit.append({ type: 'test.mine', actor: SYSTEM_ACTOR, payload: {} });
    // Others write after it (in their transactions), and a checkpoint seals them.
    for (let n = 0; n < 5; n += 1) {
      await dataSource.transaction((m) =>
        audit.recordInTransaction(m, { type: 'test.theirs', actor: SYSTEM_ACTOR, payload: { n } }),
      );
    }
    const sealed = await t.app.get(AuditIntegrityService).createCheckpoint();
    expect(sealed!.headSeq).toBe(mine.seq + 5);
    // The attacker cuts back to exactly the writer's head.
    await queryRows(
      t.databaseUrl!,
      `BEGIN; SET LOCAL session_replication_role = replica; DELETE FROM audit_event WHERE seq > ${mine.seq}; COMMIT;`,
    );

    await expect(
      audit.append({ type: 'test.after', actor: SYSTEM_ACTOR, payload: {} }),
    ).rejects.toMatchObject({
      code: 'AUDIT_TRAIL_TRUNCATED',
    });
    const [tail] = await queryRows<{ max: number }>(
      t.databaseUrl!,
      'SELECT max(seq)::int AS max FROM audit_event',
    );
    expect(tail.max).toBe(mine.seq);
  });
});
