import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

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
