/**
 * npm run bench:audit — the audit trail's write and verification speed.
 *
 * On a temporary database (migrated, then dropped):
 *  1. appends BENCH_AUDIT_BATCHED events (default 20,000) from BENCH_AUDIT_CONCURRENCY concurrent
 *     callers (default 200) through AuditService.append — the batching single writer (group commit);
 *  2. appends BENCH_AUDIT_SINGLE events (default 2,000) from the same number of callers, one
 *     transaction per event (advisory lock, head read, insert, COMMIT) — the naive design;
 *  3. bulk-loads a chain of BENCH_AUDIT_VERIFY_EVENTS events (default 1,000,000; built and hashed
 *     in JS, inserted with multi-row unnest inserts) and times AuditIntegrityService.verify() on it.
 * Prints events/s of each and the batching / per-event ratio, with PASS or FAIL against the target
 * of issue 5 (batching at least BENCH_AUDIT_TARGET_RATIO × faster, default 10). Not a test: it
 * exits 0 either way, unless BENCH_AUDIT_STRICT=1 (then a FAIL exits 1, for a CI gate on a quiet
 * machine). Environment: BENCH_PG_ADMIN_URL and the variables above.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadAppConfig } from '../src/config/app-config.loader';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { inTransaction } from '../src/database/transaction';
import type { AuditEventInput, AuditEventRecord } from '../src/modules/audit/audit-event.types';
import { chainHash } from '../src/modules/audit/audit-hash';
import { AuditIntegrityService } from '../src/modules/audit/audit-integrity.service';
import { AuditService, INSERT_AUDIT_EVENTS_SQL, insertParameters } from '../src/modules/audit/audit.service';
import { AuditRepository } from '../src/modules/audit/audit.repository';
import type { Actor } from '../src/policies/principal';
import { databaseUrl, withPgClient } from './pg-admin';

const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BATCHED = Number(process.env.BENCH_AUDIT_BATCHED ?? 20_000);
const SINGLE = Number(process.env.BENCH_AUDIT_SINGLE ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_AUDIT_CONCURRENCY ?? 200);
const VERIFY_EVENTS = Number(process.env.BENCH_AUDIT_VERIFY_EVENTS ?? 1_000_000);
const LOAD_CHUNK = 10_000;
/** Issue 5, "Done when": batching at least 10× faster than one transaction per event. */
const TARGET_RATIO = Number(process.env.BENCH_AUDIT_TARGET_RATIO ?? 10);
const STRICT = process.env.BENCH_AUDIT_STRICT === '1';

const APP_ACTOR: Actor = { type: 'principal', id: randomUUID(), name: 'CRM backend' };

/** An access decision as the access check records it (the hot path of the trail). */
function decisionEvent(n: number): AuditEventInput {
  return {
    type: 'access.decision',
    actor: APP_ACTOR,
    purposeCode: 'marketing.newsletter',
    subjectId: `customer-${n % 50_000}`,
    payload: {
      decision: n % 7 === 0 ? 'deny' : 'allow',
      action: 'read',
      fields: [
        { field: 'customer.email', allowed: true, reason: 'ALLOWED' },
        {
          field: 'customer.phone',
          allowed: n % 7 !== 0,
          reason: n % 7 === 0 ? 'CONSENT_WITHDRAWN' : 'ALLOWED',
        },
      ],
      policyRevision: 42,
      decisionId: randomUUID(),
    },
  };
}

async function main(): Promise<void> {
  const dbName = `fin_bench_audit_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'finalite-bench-audit-'));
  await withPgClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE "${dbName}"`));
  const url = databaseUrl(ADMIN_URL, dbName);
  const config = loadAppConfig({
    DATABASE_URL: url,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    AUDIT_HMAC_KEY: randomBytes(32).toString('base64'),
    AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
  });
  const options = buildDataSourceOptions(config);
  // 200 callers queue for 10 connections behind one chain lock in the one-transaction-per-event
  // phase: on a loaded host the wait passes the service's 5 s connect timeout, and that wait is
  // what the phase measures, not a failure.
  const dataSource = new DataSource({
    ...options,
    extra: { ...(options.extra as object), connectionTimeoutMillis: 120_000 },
    entities: [],
    logging: false,
  });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    const audit = new AuditService(config, dataSource, new AuditRepository(dataSource));
    const integrity = new AuditIntegrityService(config, new AuditRepository(dataSource));
    log(
      `PostgreSQL ${await serverVersion(dataSource)}; ${CONCURRENCY} concurrent callers; pool ${config.DATABASE_POOL_SIZE}`,
    );

    await runCallers(500, (n) => audit.append(decisionEvent(n))); // warm-up (JIT, pool, caches)

    const batched = await runCallers(BATCHED, (n) => audit.append(decisionEvent(n)));
    const batchedRate = BATCHED / batched;
    log(
      `batching writer (group commit):   ${fmt(BATCHED)} events in ${batched.toFixed(2)} s → ${fmt(batchedRate)} events/s`,
    );

    const single = await runCallers(SINGLE, (n) =>
      inTransaction(dataSource, (m) => audit.appendBatch(m, [decisionEvent(n)])),
    );
    const singleRate = SINGLE / single;
    log(
      `one transaction per event:        ${fmt(SINGLE)} events in ${single.toFixed(2)} s → ${fmt(singleRate)} events/s`,
    );
    const ratio = batchedRate / singleRate;
    const pass = ratio >= TARGET_RATIO;
    log(
      `ratio batching / one-tx-per-event: ${ratio.toFixed(1)}× — ${pass ? 'PASS' : 'FAIL'} (target ≥ ${TARGET_RATIO}×)`,
    );
    if (!pass && STRICT) process.exitCode = 1;

    const before = await integrity.verify();
    if (!before.ok)
      throw new Error(`chain broken before the bulk load: ${JSON.stringify(before.firstBreak)}`);
    const toLoad = Math.max(0, VERIFY_EVENTS - (before.head?.seq ?? 0));
    const loadStart = process.hrtime.bigint();
    await bulkLoad(dataSource, audit, before.head!, toLoad);
    log(
      `bulk-loaded ${fmt(toLoad)} chained events in ${seconds(loadStart).toFixed(1)} s (setup, not measured)`,
    );

    const verifyStart = process.hrtime.bigint();
    const result = await integrity.verify();
    const verifyTime = seconds(verifyStart);
    if (!result.ok) throw new Error(`verification failed: ${JSON.stringify(result.firstBreak)}`);
    log(
      `chain verification:               ${fmt(result.checkedEvents)} events in ${verifyTime.toFixed(2)} s → ${fmt(
        result.checkedEvents / verifyTime,
      )} events/s (ok=${result.ok}, head seq ${result.head?.seq})`,
    );
    log(
      `issue 5 target, batching ≥ ${TARGET_RATIO}× one transaction per event: ${pass ? 'PASS' : 'FAIL'} (${ratio.toFixed(1)}×)`,
    );
    await audit.beforeApplicationShutdown();
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await withPgClient(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `total` operations from CONCURRENCY callers pulling from one counter; returns seconds. */
async function runCallers(total: number, operation: (n: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, total) }, async () => {
      while (next < total) await operation(next++);
    }),
  );
  return seconds(start);
}

/** Extends the chain from `head` with `count` events hashed here, inserted in multi-row chunks. */
async function bulkLoad(
  dataSource: DataSource,
  audit: AuditService,
  head: { seq: number; hash: string },
  count: number,
): Promise<void> {
  let prevHash = head.hash;
  let seq = head.seq;
  const base = Date.now() - count;
  for (let done = 0; done < count; done += LOAD_CHUNK) {
    const chunk: AuditEventRecord[] = [];
    for (let i = 0; i < Math.min(LOAD_CHUNK, count - done); i++) {
      seq += 1;
      // Built directly (no validation pass): this is setup, the measured part is verify().
      const input = decisionEvent(seq);
      const content = {
        seq,
        occurredAt: new Date(base + seq).toISOString(),
        type: input.type,
        actor: input.actor,
        target: null,
        purposeCode: input.purposeCode ?? null,
        subjectRef: audit.subjectRef(input.subjectId!),
        payload: input.payload ?? {},
        requestId: null,
      };
      const hash = chainHash(prevHash, content);
      chunk.push({ ...content, prevHash, hash });
      prevHash = hash;
    }
    await dataSource.query(INSERT_AUDIT_EVENTS_SQL, insertParameters(chunk));
    if ((done / LOAD_CHUNK) % 20 === 0) log(`  …${fmt(done + chunk.length)} / ${fmt(count)}`);
  }
}

async function serverVersion(dataSource: DataSource): Promise<string> {
  const rows = await dataSource.query<{ server_version: string }[]>('SHOW server_version');
  return rows[0].server_version;
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const fmt = (n: number) => Math.round(n).toLocaleString('en');
const log = (line: string) => process.stdout.write(`${line}\n`);

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
