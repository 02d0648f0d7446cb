import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** The reference: what node:http alone does on this host (a separate process, like the service). */
const PLAIN_SERVER = `require('node:http').createServer((req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end('hello');
}).listen(Number(process.env.PORT), '127.0.0.1');`;

export function startPlainServer(port: number): ChildProcess {
  return spawn(process.execPath, ['-e', PLAIN_SERVER], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/**
 * The framework floors (bench/framework-floor.server.ts): Fastify alone, and NestJS on the Fastify
 * adapter, each answering `GET /health` with nothing of the service's own work, to show how much
 * of the gap to the plain server is the framework's and how much the service's.
 */
export type FrameworkFloor = 'fastify' | 'nest';
export const FRAMEWORK_FLOORS: FrameworkFloor[] = ['fastify', 'nest'];
export const FLOOR_LABELS: Record<FrameworkFloor, string> = {
  fastify: 'floor: Fastify alone',
  nest: 'floor: NestJS + Fastify',
};

/** `benchDir`: the checkout whose build holds dist/bench/framework-floor.server.js. */
export function startFloor(benchDir: string, kind: FrameworkFloor, port: number): ChildProcess {
  return spawn(process.execPath, [join(benchDir, 'dist', 'bench', 'framework-floor.server.js'), kind], {
    cwd: benchDir,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** User + system CPU seconds a child process has used so far (Linux /proc). */
export function cpuSeconds(child: ChildProcess): number {
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

export async function waitFor(url: string, timeoutMs: number): Promise<void> {
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

export function freePort(): Promise<number> {
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

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
