/**
 * npm run bench:access — throughput and latency of POST /access/check against a bare route of
 * the same app, with every decision checked in the audit trail afterwards.
 *
 * Starts the service (ts-node, transpile only) as a child process on a temporary database of the
 * local PostgreSQL, seeds a realistic register with bulk SQL (≥ 50 purposes, ≥ 2,000 fields,
 * 100,000 subjects with consents), drives both routes with autocannon for a fixed time, prints
 * the figures and drops the database. Not a test: it prints, it does not assert.
 *
 * Environment: BENCH_PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_DURATION seconds per route (default 15), BENCH_CONNECTIONS (default 32; latency depends on it,
 * see latencyNote), BENCH_CPU_PROFILE=dir (V8 CPU profile of the service).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';

const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DURATION = Number(process.env.BENCH_DURATION ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const PURPOSES = 60; // every 3rd consent-based
const SYSTEMS = 10;
const DATASETS_PER_SYSTEM = 10;
const COLUMNS_PER_DATASET = 25; // 2,500 fields
const SUBJECTS = 100_000;
const ADMIN_KEY = `fin_benchadm_${randomBytes(32).toString('base64url')}`;

async function main(): Promise<void> {
  const dbName = `fin_bench_access_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'finalite-bench-'));
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  await admin((c) => c.query(`CREATE DATABASE "${dbName}"`));
  let app: ChildProcess | undefined;
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    log(`starting the service on ${base} (database ${dbName})`);
    app = startService(port, dbUrl.toString(), dataDir);
    await waitFor(`${base}/health`, 120_000);

    const db = new Client({ connectionString: dbUrl.toString() });
    await db.connect();
    try {
      const seeded = await seed(db);
      const appKey = await provisionApplication(base, seeded.purposeCodes);
      await waitForPolicy(base, appKey, seeded.sampleCheck);
      const bodies = buildChecks(seeded, 2_000);

      log(`warming up (3 s)…`);
      await drive({ url: `${base}/access/check`, key: appKey, bodies, duration: 3 });
      await drive({ url: `${base}/health`, duration: 3 });
      await sleep(1_000); // let requests cut off by the end of the warm-up finish
      const decisionsBefore = await countDecisions(db);

      log(`POST /access/check for ${DURATION} s, ${CONNECTIONS} connections…`);
      const check = await drive({ url: `${base}/access/check`, key: appKey, bodies, duration: DURATION });
      await sleep(1_000);
      const decisionsAfter = await countDecisions(db);
      log(`GET /health (bare route, no I/O) for ${DURATION} s, ${CONNECTIONS} connections…`);
      const bare = await drive({ url: `${base}/health`, duration: DURATION });

      const recorded = decisionsAfter - decisionsBefore;
      const ratio = check.requests.average / bare.requests.average;
      const lines = [
        '',
        `register: ${seeded.purposeCodes.length} purposes, ${seeded.fields} fields, ${seeded.bindings} bindings, ` +
          `${SUBJECTS} subjects with ${seeded.consents} consents`,
        row('POST /access/check', check),
        row('GET /health (bare)', bare),
        `throughput ratio check/bare: ${(ratio * 100).toFixed(1)} %   (target ≥ 50 %)`,
        `p99 of the check: ${check.latency.p99} ms   (target < 20 ms, see the note below)`,
        // autocannon drops the responses still in flight when time is up (at most one per connection);
        // the service still decides and records those, so rows = answered + cut off.
        `decisions answered 2xx: ${check['2xx']}; access.decision audit rows written: ${recorded}` +
          `   ${recorded >= check['2xx'] && recorded - check['2xx'] <= CONNECTIONS ? `(every answered decision recorded; ${recorded - check['2xx']} cut off by the end of the run)` : '(MISMATCH)'}`,
        `non-2xx answers: check ${check.non2xx}, bare ${bare.non2xx}; errors/timeouts: check ${check.errors}/${check.timeouts}`,
        '',
        ...latencyNote(check, bare),
        '',
      ];
      process.stdout.write(lines.join('\n'));
    } finally {
      await db.end();
    }
  } finally {
    if (app) await stop(app);
    await admin((c) => c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`));
    rmSync(dataDir, { recursive: true, force: true });
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
  duration: number;
}

function drive(options: DriveOptions): Promise<autocannon.Result> {
  let next = 0;
  const bodies = options.bodies;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: options.url,
        connections: CONNECTIONS,
        duration: options.duration,
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
              },
            ]
          : undefined,
      },
      (err, result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result)),
    );
  });
}

/**
 * autocannon keeps CONNECTIONS requests in flight all the time (closed loop), so by Little's law
 * latency ≈ connections ÷ throughput: with a saturated CPU, more connections only lengthen the
 * queue. A latency target is therefore a statement about a concurrency, not about the route.
 */
function latencyNote(check: autocannon.Result, bare: autocannon.Result): string[] {
  const queue = (r: autocannon.Result) => ((CONNECTIONS / Math.max(1, r.requests.average)) * 1000).toFixed(1);
  return [
    `note: ${CONNECTIONS} requests are always in flight, so latency ≈ ${CONNECTIONS} ÷ throughput ` +
      `(check ≈ ${queue(check)} ms, bare ≈ ${queue(bare)} ms): queueing, not work per request.`,
    `      Even the bare route has p50 ${bare.latency.p50} ms here; the < 20 ms p99 target is only reachable`,
    `      at a concurrency the host can serve without queueing: compare BENCH_CONNECTIONS=8 (or fewer).`,
  ];
}

function row(label: string, r: autocannon.Result): string {
  return (
    `${label.padEnd(22)} ${r.requests.average.toFixed(0).padStart(7)} req/s   ` +
    `p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   ` +
    `(${r['2xx']} ok in ${r.duration.toFixed(0)} s)`
  );
}

function startService(port: number, databaseUrl: string, dataDir: string): ChildProcess {
  // BENCH_CPU_PROFILE=dir writes a V8 CPU profile of the service there (to see where time goes).
  const profile = process.env.BENCH_CPU_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`]
    : [];
  const child = spawn(
    process.execPath,
    [...profile, '-r', 'ts-node/register/transpile-only', 'src/main.ts'],
    {
      cwd: join(__dirname, '..'),
      env: {
        ...process.env,
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'error',
        SWAGGER_ENABLED: 'false',
        BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
        AUDIT_HMAC_KEY: randomBytes(32).toString('base64'),
        SECRETS_KEY: randomBytes(32).toString('base64'),
        REDIS_URL: '',
        RETENTION_SCHEDULER: 'off',
        AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
        // The limits must not be what is measured.
        RATE_LIMIT_PER_MINUTE: '100000000',
        ACCESS_CHECK_RATE_LIMIT_PER_MINUTE: '100000000',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  child.on('exit', (code, signal) => {
    if (code !== null && code !== 0) log(`the service exited with ${code ?? signal}`);
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

async function countDecisions(db: Client): Promise<number> {
  const r = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM audit_event WHERE type = 'access.decision'`,
  );
  return Number(r.rows[0].n);
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
