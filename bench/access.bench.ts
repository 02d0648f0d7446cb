/**
 * npm run bench:access [-- --duration=10 --connections=32 --cpu-prof=dir]
 *
 * Throughput and latency of the service's HTTP stack measured against a plain `node:http` hello
 * server on the same host, in the same run: plain server, the framework floors (Fastify alone and
 * NestJS on Fastify answering /health with none of the service's work), GET /health (public, no I/O), GET /me
 * (authenticated, no I/O past the key cache) and the audited POST /access/check, each driven by
 * autocannon (closed loop, N connections, fixed duration). Then the access check again at half of
 * its own saturation rate, sent at even intervals with latency taken from each request's due time
 * (access/paced-driver.ts), for a latency figure that is not queueing; and, for comparison only,
 * with autocannon's per-second pacing, which sends each second's quota in a burst. Prints req/s, p50,
 * p99, the ratio of each route to the plain server and PASS/FAIL per target (issue 18), checks that
 * every decision answered 2xx is in the audit trail (by decision id) and that no request failed.
 *
 * The service runs as a child process, compiled and started as production starts it (`nest build`,
 * then `node dist/src/main.js`; `--skip-build` reuses the last build), on a temporary database of the
 * local PostgreSQL and on the local Redis (shared rate-limit counters, jobs), with the rate limits
 * raised so that they are not what is measured. The register is seeded with bulk SQL (60 purposes,
 * 2,500 fields, 100,000 subjects with consents). Not a test: the speed targets only print; the
 * exit code is 1 only when a guarantee is broken (a 2xx decision missing from the audit trail, or
 * a failed request).
 *
 * Flags (or environment): --duration / BENCH_DURATION seconds per measurement (default 10),
 * --connections / BENCH_CONNECTIONS (default 32), --cpu-prof / BENCH_CPU_PROFILE=dir (V8 CPU profile
 * of the service), --pg-admin-url / BENCH_PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * --redis-url / BENCH_REDIS_URL (default redis://127.0.0.1:6379), --service-dir (the checkout whose
 * src/main.ts is measured; default this one: point it at a worktree of main for a before/after pair).
 *
 * On a shared host, req/s and latency move with everything else running; the CPU time the serving
 * process spends per request (from /proc, its own user + system time) does much less, so it is
 * printed too: it is the work per request, the figure an optimisation changes.
 */
import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { DecisionLog } from './access/audit-trail-check';
import {
  FLOOR_LABELS,
  FRAMEWORK_FLOORS,
  FrameworkFloor,
  freePort,
  sleep,
  startFloor,
  startPlainServer,
  stop,
  waitFor,
} from './access/child-processes';
import { halfSaturationRate, LoadDriver } from './access/load-driver';
import { log } from './access/log';
import { buildChecks, seed, SUBJECTS } from './access/register-seed';
import { printReport } from './access/report';
import { measureInstances } from './access/scale-out';
import { databaseUrl, withPgClient } from './pg-admin';
import {
  build,
  provisionApplication,
  ServiceSettings,
  startService,
  waitForPolicy,
} from './access/service-process';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string' },
    connections: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'pg-admin-url': { type: 'string' },
    'redis-url': { type: 'string' },
    'service-dir': { type: 'string' },
    'skip-build': { type: 'boolean' },
    instances: { type: 'string' },
  },
});
const ADMIN_URL =
  flags['pg-admin-url'] ?? process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = flags['redis-url'] ?? process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DURATION = Number(flags.duration ?? process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(flags.connections ?? process.env.BENCH_CONNECTIONS ?? 32);
const CPU_PROFILE_DIR = flags['cpu-prof'] ?? process.env.BENCH_CPU_PROFILE;
/** Checkout whose src/main.ts is measured (default: this one), e.g. a worktree of main for "before". */
const SERVICE_DIR = resolve(flags['service-dir'] ?? join(__dirname, '..'));
const BENCH_DIR = join(__dirname, '..');
/** Service instances for the scale-out measurement (same database and Redis); 1 = none. */
const INSTANCES = Number(flags.instances ?? process.env.BENCH_INSTANCES ?? 1);
const WARM_UP_SECONDS = 3;
const SERVICE: ServiceSettings = {
  serviceDir: SERVICE_DIR,
  cpuProfileDir: CPU_PROFILE_DIR,
  redisUrl: REDIS_URL,
};

async function main(): Promise<void> {
  const dbName = `fin_bench_access_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'finalite-bench-'));
  const dbUrl = databaseUrl(ADMIN_URL, dbName);
  await withPgClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE "${dbName}"`));
  let app: ChildProcess | undefined;
  let plain: ChildProcess | undefined;
  const floors: ChildProcess[] = [];
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    if (!flags['skip-build']) {
      for (const dir of new Set([SERVICE_DIR, BENCH_DIR])) build(dir);
    }
    log(`starting the service from ${SERVICE_DIR} on ${base} (database ${dbName}, Redis ${REDIS_URL})`);
    app = startService(SERVICE, port, dbUrl, dataDir);
    const plainPort = await freePort();
    plain = startPlainServer(plainPort);
    const plainUrl = `http://127.0.0.1:${plainPort}/`;
    await waitFor(plainUrl, 10_000);
    const floorUrls: Record<FrameworkFloor, string> = { fastify: '', nest: '' };
    for (const kind of FRAMEWORK_FLOORS) {
      const floorPort = await freePort();
      floors.push(startFloor(BENCH_DIR, kind, floorPort));
      floorUrls[kind] = `http://127.0.0.1:${floorPort}/health`;
      await waitFor(floorUrls[kind], 60_000);
    }
    await waitFor(`${base}/health`, 120_000);

    const db = new Client({ connectionString: dbUrl });
    await db.connect();
    try {
      const seeded = await seed(db);
      const appKey = await provisionApplication(base, seeded.purposeCodes);
      await waitForPolicy(base, appKey, seeded.sampleCheck);
      const bodies = buildChecks(seeded, 2_000);
      const decisions = new DecisionLog();
      const load = new LoadDriver(CONNECTIONS);

      log(`warming up (${WARM_UP_SECONDS} s per target)…`);
      await load.drive({ url: plainUrl, duration: WARM_UP_SECONDS });
      for (const kind of FRAMEWORK_FLOORS)
        await load.drive({ url: floorUrls[kind], duration: WARM_UP_SECONDS });
      await load.drive({ url: `${base}/health`, duration: WARM_UP_SECONDS });
      await load.drive({ url: `${base}/me`, key: appKey, duration: WARM_UP_SECONDS });
      await load.drive({ url: `${base}/access/check`, key: appKey, bodies, duration: WARM_UP_SECONDS });

      const plainRun = await load.measure('plain node:http', { url: plainUrl, duration: DURATION }, plain);
      const floorRuns: [string, autocannon.Result][] = [];
      for (const [i, kind] of FRAMEWORK_FLOORS.entries()) {
        const label = FLOOR_LABELS[kind];
        floorRuns.push([
          label,
          await load.measure(label, { url: floorUrls[kind], duration: DURATION }, floors[i]),
        ]);
      }
      const health = await load.measure('GET /health', { url: `${base}/health`, duration: DURATION }, app);
      const me = await load.measure('GET /me', { url: `${base}/me`, key: appKey, duration: DURATION }, app);
      const checkRun = { url: `${base}/access/check`, key: appKey, bodies, decisions, duration: DURATION };
      const check = await load.measure('POST /access/check', checkRun, app);
      const halfRate = halfSaturationRate(check);
      const paced = await load.measurePaced(
        'POST /access/check at half saturation',
        { url: checkRun.url, key: appKey, bodies, decisions, rate: halfRate, duration: DURATION },
        app,
      );
      const burst = await load.measure(
        'POST /access/check at half saturation',
        { ...checkRun, rate: halfRate },
        app,
      );
      const scaleOut =
        INSTANCES > 1
          ? await measureInstances({
              instances: INSTANCES,
              duration: DURATION,
              warmUpSeconds: WARM_UP_SECONDS,
              load,
              service: SERVICE,
              base,
              appKey,
              bodies,
              decisions,
              databaseUrl: dbUrl,
              dataDir,
            })
          : null;
      await sleep(1_000); // requests cut off by the end of a run still finish (and are recorded)
      const missing = await decisions.missingFrom(db);

      const { failed } = printReport({
        register: {
          purposes: seeded.purposeCodes.length,
          fields: seeded.fields,
          bindings: seeded.bindings,
          subjects: SUBJECTS,
          consents: seeded.consents,
        },
        connections: CONNECTIONS,
        duration: DURATION,
        plain: plainRun,
        floors: floorRuns,
        health,
        me,
        check,
        paced,
        burst,
        halfRate,
        instances: INSTANCES,
        scaleOut,
        cpuPerRequest: load.cpuPerRequest,
        decisions: { answered: decisions.size, missing },
      });
      // The exit code speaks of the guarantees only; the speed targets print.
      if (missing > 0 || failed > 0) process.exitCode = 1;
    } finally {
      await db.end();
    }
  } finally {
    if (plain) await stop(plain);
    for (const floor of floors) await stop(floor);
    if (app) await stop(app);
    await withPgClient(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
