import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { DecisionLog } from './audit-trail-check';

/** What the report reads of a run: autocannon's results have this shape too. */
export interface RunFigures {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

export interface PacedOptions {
  url: string;
  key: string;
  bodies: string[];
  decisions: DecisionLog;
  /** Requests per second, sent at even intervals. */
  rate: number;
  duration: number;
  connections: number;
}

/** A request still unanswered this long after its intended start counts as a timeout. */
const TIMEOUT_MS = 10_000;

/**
 * Open loop at a constant rate: request i is due at start + i / rate, whether or not earlier ones
 * have been answered, and its latency runs from that due time (so a stalled service cannot hide its
 * stall by slowing the sender — no coordinated omission). autocannon's `overallRate` does not do
 * this: each connection sends its per-second quota back to back and then waits for the next
 * second, so a "half saturation" run is a saturated burst for part of every second.
 */
export async function drivePaced(options: PacedOptions): Promise<RunFigures> {
  const target = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const total = Math.max(1, Math.round(options.rate * options.duration));
  const interval = 1000 / options.rate;
  const latencies: number[] = [];
  const figures = { errors: 0, timeouts: 0, non2xx: 0 };
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();

  const send = (i: number): Promise<void> => {
    const due = start + i * interval;
    const body = options.bodies[i % options.bodies.length];
    return new Promise<void>((resolve) => {
      let timedOut = false;
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          timeout: TIMEOUT_MS,
          headers: {
            authorization: `Bearer ${options.key}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            latencies.push(performance.now() - due);
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) figures.non2xx += 1;
            options.decisions.record(status, Buffer.concat(chunks).toString('utf8'));
            resolve();
          });
        },
      );
      req.on('timeout', () => {
        timedOut = true;
        figures.timeouts += 1;
        req.destroy();
      });
      req.on('error', () => {
        if (!timedOut) figures.errors += 1;
        resolve();
      });
      req.end(body);
    });
  };

  for (let i = 0; i < total; i += 1) {
    const wait = start + i * interval - performance.now();
    if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
    const pending = send(i).finally(() => inFlight.delete(pending));
    inFlight.add(pending);
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();

  latencies.sort((a, b) => a - b);
  const percentile = (p: number) =>
    latencies.length === 0
      ? NaN
      : latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)];
  return {
    requests: { average: latencies.length / elapsed, total: latencies.length },
    latency: { p50: round(percentile(0.5)), p99: round(percentile(0.99)) },
    ...figures,
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
