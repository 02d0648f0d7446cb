import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AuditEventRecord } from '../../src/modules/audit/audit-event.types';
import { AuditSigner } from '../../src/modules/audit/audit-signer';
import { AuditIntegrityService } from '../../src/modules/audit/audit-integrity.service';
import { AuditService } from '../../src/modules/audit/audit.service';
import { SYSTEM_ACTOR } from '../../src/policies/principal';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { connectTo } from '../utils/test-database';
import { startTestApp, TEST_SECRETS, TestApp } from '../utils/test-app';

const CHILD = join(__dirname, 'audit-crash-writer.child.ts');

/** Several writers on one database: one linear, gap-free chain; nothing acknowledged is lost. */
describe('Audit trail under concurrency and crashes (PostgreSQL)', () => {
  const env = { AUDIT_SIGNING_KEY: AuditSigner.generatePrivateKey() };
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    first = await startTestApp({ env });
    second = await startTestApp({ databaseUrl: first.databaseUrl!, env });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  const chainStats = async () => {
    const db = await connectTo(first.databaseUrl!);
    try {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n, min(seq)::int AS min, max(seq)::int AS max FROM audit_event`,
      );
      return rows[0] as { n: number; min: number; max: number };
    } finally {
      await db.end();
    }
  };

  it('2 instances × 400 concurrent appends, groups and register changes → one gap-free chain that verifies', async () => {
    const before = await chainStats();
    // 40 callers per instance, each appending one after another: many batches per instance,
    // which the advisory lock must interleave into one chain.
    const appendsOn = async (t: TestApp, label: string) => {
      const audit = t.app.get(AuditService);
      const singles: AuditEventRecord[] = [];
      const groups: AuditEventRecord[][] = [];
      await Promise.all(
        Array.from({ length: 40 }, async (_, caller) => {
          for (let i = 0; i < 10; i++) {
            singles.push(
              await audit.append({
                type: 'test.instance',
                actor: SYSTEM_ACTOR,
                payload: { label, caller, i },
              }),
            );
          }
          if (caller % 4 === 0) {
            groups.push(
              await audit.appendMany(
                Array.from({ length: 5 }, (__, j) => ({
                  type: 'test.group',
                  actor: SYSTEM_ACTOR,
                  payload: { label, caller, j },
                })),
              ),
            );
          }
        }),
      );
      return { singles, groups };
    };
    const registerChanges = (t: TestApp, label: string) =>
      Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          t
            .as(Role.Dpo)
            .post('/purposes')
            .send(purposeInput({ code: `concurrency.${label}${i}` }))
            .expect(201),
        ),
      );
    const [a, b] = await Promise.all([
      appendsOn(first, 'a'),
      appendsOn(second, 'b'),
      registerChanges(first, 'a'),
      registerChanges(second, 'b'),
      first.app.get(AuditIntegrityService).createCheckpoint(),
      second.app.get(AuditIntegrityService).createCheckpoint(),
    ]);

    const after = await chainStats();
    expect(after.n - before.n).toBeGreaterThanOrEqual(2 * (400 + 50) + 10);
    expect(a.singles).toHaveLength(400);
    expect(b.groups).toHaveLength(10);
    expect(after.min).toBe(1);
    expect(after.max).toBe(after.n); // gap-free
    // Every group of appendMany is contiguous and in order.
    for (const group of [...a.groups, ...b.groups]) {
      expect(group.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4].map((d) => group[0].seq + d));
    }
    // Events of both instances interleave in the one chain.
    const seqA = [...a.singles, ...a.groups.flat()].map((r) => r.seq);
    const seqB = [...b.singles, ...b.groups.flat()].map((r) => r.seq);
    expect(Math.min(...seqB)).toBeLessThan(Math.max(...seqA));
    expect(Math.min(...seqA)).toBeLessThan(Math.max(...seqB));
    expect(new Set([...seqA, ...seqB]).size).toBe(seqA.length + seqB.length);

    await first.app.get(AuditIntegrityService).createCheckpoint();
    for (const t of [first, second]) {
      const verified = await t.as(Role.Auditor).get('/audit/verify').expect(200);
      expect(verified.body).toMatchObject({ ok: true, head: { seq: after.max }, checkedEvents: after.max });
      expect(verified.body.checkpoints.checked).toBeGreaterThanOrEqual(1);
      expect(verified.body.checkpoints.unverifiable).toBe(0);
    }
  });

  it('kill -9 of a writing process: every acknowledged event is present and the chain verifies', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'finalite-crash-'));
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', CHILD], {
      env: {
        ...process.env,
        CRASH_DATABASE_URL: first.databaseUrl,
        CRASH_AUDIT_HMAC_KEY: TEST_SECRETS.AUDIT_HMAC_KEY,
        CRASH_DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const acked = new Map<number, string>();
    const enough = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`child too slow: ${acked.size} acks; ${stderr}`)),
        45_000,
      );
      createInterface({ input: child.stdout }).on('line', (line) => {
        const [word, seq, hash] = line.split(' ');
        if (word !== 'ack') return;
        acked.set(Number(seq), hash);
        if (acked.size === 1500) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => reject(new Error(`child exited early: ${stderr}`)));
    });
    // The other instance keeps writing while the child dies mid-flight.
    const concurrent = Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        first.app.get(AuditService).append({ type: 'test.survivor', actor: SYSTEM_ACTOR, payload: { i } }),
      ),
    );
    try {
      await enough;
    } finally {
      child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');
    await concurrent;
    rmSync(dataDir, { recursive: true, force: true });

    // "Restart": a fresh instance on the same database appends and verifies.
    const restarted = await startTestApp({ databaseUrl: first.databaseUrl!, env });
    try {
      await restarted.app.get(AuditService).append({ type: 'test.after-crash', actor: SYSTEM_ACTOR });
      const db = await connectTo(first.databaseUrl!);
      try {
        const { rows } = await db.query(`SELECT seq::int AS seq, hash FROM audit_event WHERE seq = ANY($1)`, [
          [...acked.keys()],
        ]);
        expect(rows).toHaveLength(acked.size);
        for (const r of rows as { seq: number; hash: string }[]) expect(r.hash).toBe(acked.get(r.seq));
      } finally {
        await db.end();
      }
      const verified = await restarted.as(Role.Auditor).get('/audit/verify').expect(200);
      expect(verified.body).toMatchObject({ ok: true, firstBreak: null });
      expect(verified.body.checkedEvents).toBe(verified.body.head.seq);
      expect(verified.body.head.seq).toBeGreaterThan(Math.max(...acked.keys()));
    } finally {
      await restarted.close();
    }
  });
});
