import { DataSource } from 'typeorm';
import { AuditIntegrityService } from '../../src/modules/audit/audit-integrity.service';
import { AuditService } from '../../src/modules/audit/audit.service';
import { SYSTEM_ACTOR } from '../../src/policies/principal';
import { Role } from '../../src/policies/role.enum';
import { startTestApp, TestApp } from '../utils/test-app';

/** The embedded default: the batching writer, checkpoints, verify and the guard on PGlite. */
describe('Audit trail on embedded PGlite', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ database: 'pglite' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('batches concurrent appends on the single session, signs, verifies and refuses a drop', async () => {
    const audit = t.app.get(AuditService);
    const records = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        audit.append({ type: 'test.embedded', actor: SYSTEM_ACTOR, payload: { i } }),
      ),
    );
    const seqs = records.map((r) => r.seq).sort((a, b) => a - b);
    expect(seqs[seqs.length - 1] - seqs[0]).toBe(99);
    const checkpoint = await t.app.get(AuditIntegrityService).createCheckpoint();
    expect(checkpoint?.headSeq).toBeGreaterThanOrEqual(seqs[seqs.length - 1]);

    const verified = await t.as(Role.Auditor).get('/audit/verify').expect(200);
    expect(verified.body).toMatchObject({ ok: true, checkpoints: { checked: 1 } });
    expect(verified.body.checkedEvents).toBe(verified.body.head.seq);

    const db = t.app.get(DataSource);
    await expect(db.query('DROP TABLE audit_event')).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM audit_checkpoint')).rejects.toThrow(/append-only/);
  });
});
