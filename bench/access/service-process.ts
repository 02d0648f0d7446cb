import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { sleep } from './child-processes';
import { log } from './log';

/** Where and how the measured service runs (from the bench's flags). */
export interface ServiceSettings {
  /** Checkout whose dist/src/main.js is started. */
  serviceDir: string;
  /** V8 CPU profile of the service into this folder, if set. */
  cpuProfileDir?: string;
  redisUrl: string;
}

/** Shared by every instance, as a deployment of several instances must (docs/operations.md). */
const SHARED_SECRETS = {
  AUDIT_HMAC_KEY: randomBytes(32).toString('base64'),
  SECRETS_KEY: randomBytes(32).toString('base64'),
  REDIS_PREFIX: `finbench:${randomBytes(4).toString('hex')}`,
};
const ADMIN_KEY = `fin_benchadm_${randomBytes(32).toString('base64url')}`;

/**
 * Compiles a checkout as `npm start` does (dist/src, dist/bench). The service is measured compiled,
 * never under ts-node: ts-node loads node:repl, which loads node:domain, and with it every
 * EventEmitter of the process pays domain's bookkeeping — a cost production does not have.
 */
export function build(dir: string): void {
  log(`building ${dir} (nest build)…`);
  const nest = require.resolve('@nestjs/cli/bin/nest.js', { paths: [dir] });
  const result = spawnSync(process.execPath, [nest, 'build'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0)
    throw new Error(`nest build failed in ${dir} (exit ${result.status ?? result.signal})`);
}

export function startService(
  settings: ServiceSettings,
  port: number,
  databaseUrl: string,
  dataDir: string,
): ChildProcess {
  const { cpuProfileDir } = settings;
  const profile = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [];
  const child = spawn(process.execPath, [...profile, 'dist/src/main.js'], {
    cwd: settings.serviceDir,
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      SWAGGER_ENABLED: 'false',
      BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      ...SHARED_SECRETS,
      REDIS_URL: settings.redisUrl,
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

export async function provisionApplication(base: string, purposeCodes: string[]): Promise<string> {
  const created = await request(`${base}/principals`, ADMIN_KEY, 'POST', {
    name: 'bench application',
    roles: ['application'],
  });
  const { id, key } = created as { id: string; key: string };
  await request(`${base}/principals/${id}/purposes`, ADMIN_KEY, 'PUT', { purposeCodes });
  return key;
}

/** Until the service has compiled the seeded register (one allowed check). */
export async function waitForPolicy(base: string, key: string, body: Record<string, unknown>): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = (await request(`${base}/access/check`, key, 'POST', body)) as { decision: string };
    if (answer.decision === 'allow') return;
    if (Date.now() > deadline) throw new Error(`the seeded policy is not in use: ${JSON.stringify(answer)}`);
    await sleep(200);
  }
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
