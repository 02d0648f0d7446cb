/**
 * npm run bench:access [-- --duration=10 --connections=32 --cpu-prof=dir]
 *
 * Throughput and latency of the service's HTTP stack measured against a plain `node:http` hello
 * server on the same host, in the same run: plain server, the framework floors (Fastify alone and
 * NestJS on Fastify answering /health with none of the service's work), GET /health (public, no I/O), GET /me
 * (authenticated, no I/O past the key cache) and the audited POST /access/check, each driven by
 * autocannon (closed loop, N connections, fixed duration). Then the access check again, paced at
 * half of its own saturation rate, for a latency figure that is not queueing. Prints req/s, p50,
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
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Client } from 'pg';

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
/** Shared by every instance, as a deployment of several instances must (docs/operations.md). */
const SHARED_SECRETS = {
  AUDIT_HMAC_KEY: randomBytes(32).toString('base64'),
  SECRETS_KEY: randomBytes(32).toString('base64'),
  REDIS_PREFIX: `finbench:${randomBytes(4).toString('hex')}`,
};
const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux
const WARM_UP_SECONDS = 3;
const PURPOSES = 60; // every 3rd consent-based
const SYSTEMS = 10;
const DATASETS_PER_SYSTEM = 10;
const COLUMNS_PER_DATASET = 25; // 2,500 fields
const SUBJECTS = 100_000;
const ADMIN_KEY = `fin_benchadm_${randomBytes(32).toString('base64url')}`;

/** Issue 18's targets, as ratios to the plain node:http server measured in the same run. */
const TARGETS = {
  checkToPlain: 0.15,
  checkToPlainGoal: 0.25,
  healthToPlain: 0.4,
  checkToMe: 0.8,
  p99AtHalfSaturationMs: 10,
};

/** The reference: what node:http alone does on this host (a separate process, like the service). */
const PLAIN_SERVER = `require('node:http').createServer((req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end('hello');
}).listen(Number(process.env.PORT), '127.0.0.1');`;

async function main(): Promise<void> {
  const dbName = `fin_bench_access_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'finalite-bench-'));
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  await admin((c) => c.query(`CREATE DATABASE "${dbName}"`));
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
    app = startService(port, dbUrl.toString(), dataDir);
    const plainPort = await freePort();
    plain = spawn(process.execPath, ['-e', PLAIN_SERVER], {
      env: { ...process.env, PORT: String(plainPort) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const plainUrl = `http://127.0.0.1:${plainPort}/`;
    await waitFor(plainUrl, 10_000);
    const floorUrls: Record<FrameworkFloor, string> = { fastify: '', nest: '' };
    for (const kind of FRAMEWORK_FLOORS) {
      const floorPort = await freePort();
      floors.push(startFloor(kind, floorPort));
      floorUrls[kind] = `http://127.0.0.1:${floorPort}/health`;
      await waitFor(floorUrls[kind], 60_000);
    }
    await waitFor(`${base}/health`, 120_000);

    const db = new Client({ connectionString: dbUrl.toString() });
    await db.connect();
    try {
      const seeded = await seed(db);
      const appKey = await provisionApplication(base, seeded.purposeCodes);
      await waitForPolicy(base, appKey, seeded.sampleCheck);
      const bodies = buildChecks(seeded, 2_000);
      const decisions = new DecisionLog();

      log(`warming up (${WARM_UP_SECONDS} s per target)…`);
      await drive({ url: plainUrl, duration: WARM_UP_SECONDS });
      for (const kind of FRAMEWORK_FLOORS) await drive({ url: floorUrls[kind], duration: WARM_UP_SECONDS });
      await drive({ url: `${base}/health`, duration: WARM_UP_SECONDS });
      await drive({ url: `${base}/me`, key: appKey, duration: WARM_UP_SECONDS });
      await drive({ url: `${base}/access/check`, key: appKey, bodies, duration: WARM_UP_SECONDS });

      const cpuPerRequest = new Map<autocannon.Result, number>();
      const measure = async (label: string, options: DriveOptions, server: ChildProcess = app!) => {
        log(
          `${label} for ${options.duration} s, ${CONNECTIONS} connections${options.rate ? `, paced at ${options.rate} req/s` : ''}…`,
        );
        const cpuBefore = cpuSeconds(server);
        const result = await drive(options);
        cpuPerRequest.set(
          result,
          ((cpuSeconds(server) - cpuBefore) * 1e6) / Math.max(1, result.requests.total),
        );
        return result;
      };
      const plainRun = await measure('plain node:http', { url: plainUrl, duration: DURATION }, plain);
      const floorRuns: [string, autocannon.Result][] = [];
      for (const [i, kind] of FRAMEWORK_FLOORS.entries()) {
        const label = FLOOR_LABELS[kind];
        floorRuns.push([
          label,
          await measure(label, { url: floorUrls[kind], duration: DURATION }, floors[i]),
        ]);
      }
      const health = await measure('GET /health', { url: `${base}/health`, duration: DURATION });
      const me = await measure('GET /me', { url: `${base}/me`, key: appKey, duration: DURATION });
      const check = await measure('POST /access/check', {
        url: `${base}/access/check`,
        key: appKey,
        bodies,
        decisions,
        duration: DURATION,
      });
      const halfRate = Math.max(1, Math.floor(check.requests.average / 2));
      const paced = await measure('POST /access/check at half saturation', {
        url: `${base}/access/check`,
        key: appKey,
        bodies,
        decisions,
        duration: DURATION,
        rate: halfRate,
      });
      const scaleOut =
        INSTANCES > 1
          ? await measureInstances(base, appKey, bodies, decisions, dbUrl.toString(), dataDir)
          : null;
      await sleep(1_000); // requests cut off by the end of a run still finish (and are recorded)
      const missing = await decisions.missingFrom(db);

      const runs: [string, autocannon.Result][] = [
        ['plain node:http', plainRun],
        ...floorRuns,
        ['GET /health', health],
        ['GET /me', me],
        ['POST /access/check', check],
        [`  at ${halfRate} req/s (½)`, paced],
      ];
      if (scaleOut) {
        runs.push(
          ...scaleOut.perInstance.map(
            (r, i) => [`  instance ${i + 1} of ${INSTANCES}`, r] as [string, autocannon.Result],
          ),
        );
        for (const r of scaleOut.perInstance) cpuPerRequest.set(r, scaleOut.cpuMicros);
      }
      const failed = runs.reduce((n, [, r]) => n + r.errors + r.timeouts + r.non2xx, 0);
      const ratio = (r: autocannon.Result) => r.requests.average / plainRun.requests.average;
      const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
      const checkRatio = ratio(check);
      const lines = [
        '',
        `register: ${seeded.purposeCodes.length} purposes, ${seeded.fields} fields, ${seeded.bindings} bindings, ` +
          `${SUBJECTS} subjects with ${seeded.consents} consents; ${CONNECTIONS} connections, ${DURATION} s each`,
        '',
        `${'route'.padEnd(26)} ${'req/s'.padStart(7)}   ${'p50'.padStart(7)}   ${'p99'.padStart(7)}   ratio to plain   errors   CPU µs/req   CPU ratio`,
        ...runs.map(([label, r]) =>
          row(
            label,
            r,
            ratio(r),
            cpuPerRequest.get(r)!,
            cpuPerRequest.get(plainRun)! / cpuPerRequest.get(r)!,
          ),
        ),
        '',
        `${verdict(checkRatio >= TARGETS.checkToPlain)}  access check ÷ plain = ${checkRatio.toFixed(3)}   ` +
          `(target ≥ ${TARGETS.checkToPlain}; goal ${TARGETS.checkToPlainGoal}: ${checkRatio >= TARGETS.checkToPlainGoal ? 'met' : 'not met'})`,
        `${verdict(ratio(health) >= TARGETS.healthToPlain)}  GET /health ÷ plain = ${ratio(health).toFixed(3)}   (target ≥ ${TARGETS.healthToPlain})`,
        `${verdict(check.requests.average / me.requests.average >= TARGETS.checkToMe)}  access check ÷ GET /me = ` +
          `${(check.requests.average / me.requests.average).toFixed(3)}   (target ≥ ${TARGETS.checkToMe})`,
        `${verdict(paced.latency.p99 <= TARGETS.p99AtHalfSaturationMs)}  access check p99 at half saturation ` +
          `(${halfRate} req/s) = ${paced.latency.p99} ms   (target ≤ ${TARGETS.p99AtHalfSaturationMs} ms)`,
        ...(scaleOut
          ? [
              `INFO  access check over ${INSTANCES} instances: ${scaleOut.total.toFixed(0)} req/s = ` +
                `${(scaleOut.total / check.requests.average).toFixed(2)}× one instance, ` +
                `${(scaleOut.total / plainRun.requests.average).toFixed(3)}× plain; p99 ${scaleOut.p99} ms; ` +
                `CPU µs/req over all instances ${scaleOut.cpuMicros.toFixed(0)}`,
            ]
          : []),
        ...floorRuns.map(
          ([label, r]) =>
            `INFO  ${label} ÷ plain = ${ratio(r).toFixed(3)}; GET /health ÷ this floor = ` +
            `${(health.requests.average / r.requests.average).toFixed(3)}`,
        ),
        `${verdict(missing === 0)}  2xx decisions answered: ${decisions.size}; missing from the audit trail: ${missing}`,
        `${verdict(failed === 0)}  errors, timeouts and non-2xx answers over all runs: ${failed}`,
        '',
      ];
      process.stdout.write(lines.join('\n'));
      if (missing > 0 || failed > 0) process.exitCode = 1;
    } finally {
      await db.end();
    }
  } finally {
    if (plain) await stop(plain);
    for (const floor of floors) await stop(floor);
    if (app) await stop(app);
    await admin((c) => c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The scale-out figure (docs/operations.md): INSTANCES - 1 more services on the same database and
 * Redis, then the access check driven on all of them at once (the connections split between
 * them) for DURATION; their decisions join the same log (checked in the one audit trail).
 */
async function measureInstances(
  base: string,
  appKey: string,
  bodies: string[],
  decisions: DecisionLog,
  databaseUrl: string,
  dataDir: string,
): Promise<{ perInstance: autocannon.Result[]; total: number; p99: number; cpuMicros: number }> {
  const extra: ChildProcess[] = [];
  const bases = [base];
  try {
    for (let i = 1; i < INSTANCES; i += 1) {
      const port = await freePort();
      extra.push(startService(port, databaseUrl, dataDir));
      bases.push(`http://127.0.0.1:${port}`);
    }
    for (const b of bases.slice(1)) {
      await waitFor(`${b}/health`, 120_000);
      await waitForPolicy(b, appKey, JSON.parse(bodies[1]) as Record<string, unknown>);
    }
    log(`warming up ${INSTANCES} instances…`);
    const connections = Math.max(1, Math.floor(CONNECTIONS / INSTANCES));
    await Promise.all(
      bases.map((b) =>
        drive({ url: `${b}/access/check`, key: appKey, bodies, duration: WARM_UP_SECONDS, connections }),
      ),
    );
    log(`POST /access/check on ${INSTANCES} instances for ${DURATION} s, ${connections} connections each…`);
    const servers = [...extra];
    const cpuBefore = servers.reduce((n, c) => n + cpuSeconds(c), 0);
    const perInstance = await Promise.all(
      bases.map((b) =>
        drive({ url: `${b}/access/check`, key: appKey, bodies, decisions, duration: DURATION, connections }),
      ),
    );
    const requests = perInstance.reduce((n, r) => n + r.requests.total, 0);
    // The first instance is measured by the caller's process handle: only the extra ones here,
    // weighted by their own share of the requests.
    const extraRequests = perInstance.slice(1).reduce((n, r) => n + r.requests.total, 0);
    const cpuMicros =
      ((servers.reduce((n, c) => n + cpuSeconds(c), 0) - cpuBefore) * 1e6) / Math.max(1, extraRequests);
    return {
      perInstance,
      total: perInstance.reduce((n, r) => n + r.requests.average, 0),
      p99: Math.max(...perInstance.map((r) => r.latency.p99)),
      cpuMicros: requests > 0 ? cpuMicros : 0,
    };
  } finally {
    for (const c of extra) await stop(c);
  }
}

/** The decision ids of every 2xx answer, checked against the audit trail after the runs. */
class DecisionLog {
  private readonly ids: string[] = [];

  get size(): number {
    return this.ids.length;
  }

  record(status: number, body: string): void {
    if (status < 200 || status >= 300) return;
    const answer = JSON.parse(body) as { decisionId?: string; results?: { decisionId: string }[] };
    for (const d of answer.results ?? [answer]) {
      if (typeof d.decisionId !== 'string') throw new Error(`a 2xx decision without an id: ${body}`);
      this.ids.push(d.decisionId);
    }
  }

  /** How many recorded ids have no access.decision event in the audit trail. */
  async missingFrom(db: Client): Promise<number> {
    let missing = 0;
    for (let i = 0; i < this.ids.length; i += 10_000) {
      const chunk = this.ids.slice(i, i + 10_000);
      const r = await db.query<{ n: string }>(
        `SELECT count(DISTINCT target_id) AS n FROM audit_event
          WHERE type = 'access.decision' AND target_type = 'access_decision' AND target_id = ANY($1::text[])`,
        [chunk],
      );
      missing += chunk.length - Number(r.rows[0].n);
    }
    return missing;
  }
}

interface Seeded {
  purposeCodes: string[];
  consentPurposes: string[];
  fieldsByPurpose: Map<string, string[]>;
  fields: number;
  bindings: number;
  consents: number;
  sampleCheck: Record<string, unknown>;
}

/** Bulk SQL: the same rows the API would write, minus the per-row audit (this is a fixture). */
async function seed(db: Client): Promise<Seeded> {
  const started = Date.now();
  log('seeding the register…');
  await db.query(
    `INSERT INTO purpose (code, name, status, version, legal_basis, controller, data_subject_categories,
                          retention_duration, retention_trigger, activated_at, created_by, updated_by)
     SELECT 'bench.p' || lpad(i::text, 3, '0'), 'Bench purpose ' || i, 'active', 2,
            CASE WHEN i % 3 = 0 THEN 'consent' ELSE 'contract' END,
            '{"name":"ACME SAS"}'::jsonb, '["customers"]'::jsonb, 'P3Y', 'last_interaction', now(), 'bench', 'bench'
       FROM generate_series(1, $1) AS i`,
    [PURPOSES],
  );
  await db.query(
    `INSERT INTO inventory_system (code, name, kind, created_by, updated_by)
     SELECT 'sys' || i, 'System ' || i, 'manual', 'bench', 'bench' FROM generate_series(1, $1) AS i`,
    [SYSTEMS],
  );
  await db.query(
    `INSERT INTO inventory_dataset (system_id, name, primary_key, subject_column)
     SELECT s.id, 'public.t' || d, '["id"]'::jsonb, 'id'
       FROM inventory_system s, generate_series(1, $1) AS d`,
    [DATASETS_PER_SYSTEM],
  );
  await db.query(
    `INSERT INTO personal_field (key, dataset_id, column_name, data_category, special)
     SELECT s.code || '.' || split_part(d.name, '.', 2) || '.c' || c, d.id, 'c' || c,
            CASE WHEN c % 2 = 0 THEN 'contact' ELSE 'identity' END, false
       FROM inventory_dataset d JOIN inventory_system s ON s.id = d.system_id, generate_series(1, $1) AS c`,
    [COLUMNS_PER_DATASET],
  );
  // Each field bound to 2 purposes (read; some with write and an obligation).
  await db.query(
    `INSERT INTO field_purpose (field_id, purpose_code, actions, obligation, applies_to_sub_purposes)
     SELECT f.id, 'bench.p' || lpad((((f.n + k * 17) % $1) + 1)::text, 3, '0'),
            CASE WHEN k = 0 THEN '["read","write"]'::jsonb ELSE '["read"]'::jsonb END,
            CASE WHEN f.n % 5 = 0 THEN 'mask' ELSE NULL END, false
       FROM (SELECT id, row_number() OVER (ORDER BY key) AS n FROM personal_field) f, generate_series(0, 1) AS k`,
    [PURPOSES],
  );
  const consentPurposes = (
    await db.query<{ code: string }>(`SELECT code FROM purpose WHERE legal_basis = 'consent' ORDER BY code`)
  ).rows.map((r) => r.code);
  log(`seeding ${SUBJECTS} subjects with consents…`);
  // Two consent purposes per subject; one subject in 20 has withdrawn the second one.
  await db.query(
    `WITH ev AS (
       INSERT INTO consent_event (subject_id, purpose_code, status, purpose_version, source, proof, occurred_at, recorded_by)
       SELECT 'subject-' || s, ($2::text[])[((s + k) % array_length($2::text[], 1)) + 1],
              CASE WHEN k = 1 AND s % 20 = 0 THEN 'withdrawn' ELSE 'granted' END,
              2, 'bench', '{}'::jsonb, now() - interval '1 day', 'bench'
         FROM generate_series(1, $1) AS s, generate_series(0, 1) AS k
       RETURNING id, subject_id, purpose_code, status, purpose_version, source, occurred_at)
     INSERT INTO consent_state (subject_id, purpose_code, status, purpose_version, source, occurred_at, event_id)
     SELECT subject_id, purpose_code, status, purpose_version, source, occurred_at, id FROM ev`,
    [SUBJECTS, consentPurposes],
  );
  await db.query(
    `INSERT INTO subject_restriction (subject_id, kind, purpose_codes, reason, set_by)
     SELECT 'subject-' || s, 'restriction', NULL, 'bench', 'bench' FROM generate_series(1, $1, 1000) AS s`,
    [SUBJECTS],
  );
  // Tell the running service the register changed (what every register write does).
  await db.query(
    `WITH r AS (UPDATE register_revision SET revision = revision + 1, changed_at = now() WHERE id = 1 RETURNING revision)
     SELECT pg_notify('finalite_register', revision::text) FROM r`,
  );
  await db.query('ANALYZE');

  const bindings = await db.query<{ purpose_code: string; key: string }>(
    `SELECT fp.purpose_code, f.key FROM field_purpose fp JOIN personal_field f ON f.id = fp.field_id`,
  );
  const fieldsByPurpose = new Map<string, string[]>();
  for (const b of bindings.rows) {
    const list = fieldsByPurpose.get(b.purpose_code) ?? [];
    list.push(b.key);
    fieldsByPurpose.set(b.purpose_code, list);
  }
  const count = async (table: string) =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  const purposeCodes = [...fieldsByPurpose.keys()].sort();
  log(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return {
    purposeCodes,
    consentPurposes,
    fieldsByPurpose,
    fields: await count('personal_field'),
    bindings: bindings.rows.length,
    consents: await count('consent_state'),
    sampleCheck: {
      purpose: purposeCodes[0],
      action: 'read',
      fields: fieldsByPurpose.get(purposeCodes[0])!.slice(0, 1),
    },
  };
}

/** A mix like real traffic: consent purposes with a subject, others with or without one, some denials. */
function buildChecks(seeded: Seeded, n: number): string[] {
  const bodies: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const consent = i % 2 === 0;
    const purposes = consent ? seeded.consentPurposes : seeded.purposeCodes;
    const purpose = purposes[i % purposes.length];
    const own = seeded.fieldsByPurpose.get(purpose) ?? [];
    const fields = [...own.slice(i % Math.max(1, own.length - 5), (i % Math.max(1, own.length - 5)) + 4)];
    if (i % 10 === 0) fields.push('sys1.t1.not_a_column');
    const subject = `subject-${((i * 7919) % SUBJECTS) + 1}`;
    bodies.push(
      JSON.stringify({
        purpose,
        action: 'read',
        fields,
        ...(consent || i % 3 === 0 ? { subjectId: subject } : {}),
        context: { bench: true, request: i },
      }),
    );
  }
  return bodies;
}

async function provisionApplication(base: string, purposeCodes: string[]): Promise<string> {
  const created = await request(`${base}/principals`, ADMIN_KEY, 'POST', {
    name: 'bench application',
    roles: ['application'],
  });
  const { id, key } = created as { id: string; key: string };
  await request(`${base}/principals/${id}/purposes`, ADMIN_KEY, 'PUT', { purposeCodes });
  return key;
}

/** Until the service has compiled the seeded register (one allowed check). */
async function waitForPolicy(base: string, key: string, body: Record<string, unknown>): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = (await request(`${base}/access/check`, key, 'POST', body)) as { decision: string };
    if (answer.decision === 'allow') return;
    if (Date.now() > deadline) throw new Error(`the seeded policy is not in use: ${JSON.stringify(answer)}`);
    await sleep(200);
  }
}

interface DriveOptions {
  url: string;
  key?: string;
  bodies?: string[];
  /** Where the decision ids of 2xx answers go (access checks). */
  decisions?: DecisionLog;
  duration: number;
  /** Paced (open-ish loop): total requests per second over all connections. */
  rate?: number;
  /** Connections of this drive (default CONNECTIONS). */
  connections?: number;
}

function drive(options: DriveOptions): Promise<autocannon.Result> {
  let next = 0;
  const { bodies, decisions } = options;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: options.url,
        connections: options.connections ?? CONNECTIONS,
        duration: options.duration,
        ...(options.rate ? { overallRate: options.rate } : {}),
        method: bodies ? 'POST' : 'GET',
        headers: {
          ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
          ...(bodies ? { 'content-type': 'application/json' } : {}),
        },
        requests: bodies
          ? [
              {
                setupRequest: (req) => {
                  next = (next + 1) % bodies.length;
                  return { ...req, body: bodies[next] };
                },
                ...(decisions
                  ? { onResponse: (status: number, body: string) => decisions.record(status, body) }
                  : {}),
              },
            ]
          : undefined,
      },
      (err, result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result)),
    );
  });
}

/** cpuRatio: CPU per request of the plain server ÷ this route's (the throughput ratio if CPU-bound alone). */
function row(
  label: string,
  r: autocannon.Result,
  ratio: number,
  cpuMicros: number,
  cpuRatio: number,
): string {
  return (
    `${label.padEnd(26)} ${r.requests.average.toFixed(0).padStart(7)}   ` +
    `${`${r.latency.p50} ms`.padStart(7)}   ${`${r.latency.p99} ms`.padStart(7)}   ` +
    `${ratio.toFixed(3).padStart(14)}   ${String(r.errors + r.timeouts + r.non2xx).padStart(6)}   ` +
    `${cpuMicros.toFixed(0).padStart(10)}   ${cpuRatio.toFixed(3).padStart(9)}`
  );
}

/** User + system CPU seconds a child process has used so far (Linux /proc). */
function cpuSeconds(child: ChildProcess): number {
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Compiles a checkout as `npm start` does (dist/src, dist/bench). The service is measured compiled,
 * never under ts-node: ts-node loads node:repl, which loads node:domain, and with it every
 * EventEmitter of the process pays domain's bookkeeping — a cost production does not have.
 */
function build(dir: string): void {
  log(`building ${dir} (nest build)…`);
  const nest = require.resolve('@nestjs/cli/bin/nest.js', { paths: [dir] });
  const result = spawnSync(process.execPath, [nest, 'build'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0)
    throw new Error(`nest build failed in ${dir} (exit ${result.status ?? result.signal})`);
}

function startService(port: number, databaseUrl: string, dataDir: string): ChildProcess {
  const profile = CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, 'dist/src/main.js'], {
    cwd: SERVICE_DIR,
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      SWAGGER_ENABLED: 'false',
      BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      ...SHARED_SECRETS,
      REDIS_URL,
      RETENTION_SCHEDULER: 'off',
      AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
      // The limits must not be what is measured (the counters still go to Redis on every request).
      RATE_LIMIT_PER_MINUTE: '100000000',
      ACCESS_CHECK_RATE_LIMIT_PER_MINUTE: '100000000',
    },
    // The service logs at info, as in production; its lines go nowhere (they would cost the bench).
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (code !== null && code !== 0) log(`the service exited with ${code ?? signal}`);
  });
  return child;
}

/**
 * The framework floors (bench/framework-floor.server.ts): Fastify alone, and NestJS on the Fastify
 * adapter, each answering `GET /health` with nothing of the service's own work, to show how much
 * of the gap to the plain server is the framework's and how much the service's.
 */
type FrameworkFloor = 'fastify' | 'nest';
const FRAMEWORK_FLOORS: FrameworkFloor[] = ['fastify', 'nest'];
const FLOOR_LABELS: Record<FrameworkFloor, string> = {
  fastify: 'floor: Fastify alone',
  nest: 'floor: NestJS + Fastify',
};

function startFloor(kind: FrameworkFloor, port: number): ChildProcess {
  return spawn(process.execPath, [join(BENCH_DIR, 'dist', 'bench', 'framework-floor.server.js'), kind], {
    cwd: BENCH_DIR,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

async function request(url: string, key: string, method: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json: unknown = await res.json();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await sleep(250);
  }
}

async function admin<T>(work: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (message: string) => process.stderr.write(`[bench:access] ${message}\n`);

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
