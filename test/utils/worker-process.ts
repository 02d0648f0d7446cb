import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { TEST_SECRETS, TestApp } from './test-app';
import { TEST_REDIS_URL } from './test-database';

/** A ts-node start of src/worker.ts: well over a minute each on a busy shared host. */
export const WORKER_START_TIMEOUT_MS = 150_000;

/**
 * The test app's environment when only worker processes execute runs, as in production: the API
 * queues them in Redis under `redisPrefix` (BullMQ) and runs no job itself.
 */
export function queueOnlyAppEnv(redisPrefix: string): Record<string, string> {
  return {
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    JOBS_INLINE_WORKER: 'false',
    RETENTION_SCHEDULER: 'off',
  };
}

/**
 * A worker process's environment beside such an app: its database, data dir (secrets) and queue;
 * short leases and a pause between batches, so that a kill lands mid-run and a new worker takes
 * over soon. `settings` gives the batch size the test counts with (and anything else it varies).
 */
export function retentionWorkerEnv(
  t: TestApp,
  redisPrefix: string,
  settings: Record<string, string>,
): Record<string, string> {
  return {
    ...TEST_SECRETS,
    DATABASE_URL: t.databaseUrl!,
    DATA_DIR: t.dataDir,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    RETENTION_SCHEDULER: 'off',
    RETENTION_BATCH_PAUSE_MS: '60',
    RETENTION_LEASE_MS: '1000',
    LOG_LEVEL: 'silent',
    ...settings,
  };
}

/**
 * Starts src/worker.ts in a child process (ts-node, transpile only), as production starts
 * `npm run start:worker`, so a test can kill -9 it mid-run. Resolves once the worker is ready.
 */
export async function startWorkerProcess(
  env: Record<string, string>,
  readyTimeoutMs = 60_000,
): Promise<ChildProcess> {
  const child = fork(join(__dirname, '..', '..', 'src', 'worker.ts'), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    env: {
      PATH: process.env.PATH ?? '',
      TS_NODE_PROJECT: join(__dirname, '..', '..', 'tsconfig.json'),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-4000)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running behind the failed test (and its open handles).
      child.kill('SIGKILL');
      reject(new Error(`Worker did not start in time: ${stderr}`));
    }, readyTimeoutMs);
    child.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Worker exited with ${code}: ${stderr}`));
    });
  });
  return child;
}

/** kill -9, and wait until the process is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** kill -9 of every worker a suite started (emptying its list), one after the other. */
export async function killAllHard(children: ChildProcess[]): Promise<void> {
  for (const child of children.splice(0)) await killHard(child);
}

export interface FinishedProcess {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a TypeScript entry point (src/main.ts, src/cli/…) to completion in a child process, as
 * production runs its compiled twin (ts-node, transpile only), with exactly `env` (plus PATH).
 */
export async function runTsProcess(entry: string, env: Record<string, string>): Promise<FinishedProcess> {
  const child = fork(join(__dirname, '..', '..', entry), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    env: {
      PATH: process.env.PATH ?? '',
      TS_NODE_PROJECT: join(__dirname, '..', '..', 'tsconfig.json'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolve(exitCode));
  });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
