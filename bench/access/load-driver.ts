import { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import type { DecisionLog } from './audit-trail-check';
import { cpuSeconds } from './child-processes';
import { log } from './log';
import { drivePaced, PacedOptions, RunFigures } from './paced-driver';

export interface DriveOptions {
  url: string;
  key?: string;
  bodies?: string[];
  /** Where the decision ids of 2xx answers go (access checks). */
  decisions?: DecisionLog;
  duration: number;
  /** autocannon's pacing: each connection's share of this rate, sent at the start of every second. */
  rate?: number;
  /** Connections of this drive (default: the driver's). */
  connections?: number;
}

/** Autocannon runs (closed loop unless paced), and the serving process's CPU time per request. */
export class LoadDriver {
  /** CPU µs per request of the serving process, by measured run. */
  readonly cpuPerRequest = new Map<RunFigures, number>();

  constructor(readonly connections: number) {}

  drive(options: DriveOptions): Promise<autocannon.Result> {
    let next = 0;
    const { bodies, decisions } = options;
    return new Promise((resolve, reject) => {
      autocannon(
        {
          url: options.url,
          connections: options.connections ?? this.connections,
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
        (err, result) =>
          err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result),
      );
    });
  }

  /** One measured run; `server` is the process whose CPU time it costs. */
  async measure(label: string, options: DriveOptions, server: ChildProcess): Promise<autocannon.Result> {
    log(
      `${label} for ${options.duration} s, ${this.connections} connections${options.rate ? `, autocannon's pacing at ${options.rate} req/s` : ''}…`,
    );
    return this.costed(server, () => this.drive(options));
  }

  /** One measured open-loop run at an even rate (paced-driver.ts). */
  async measurePaced(
    label: string,
    options: Omit<PacedOptions, 'connections'>,
    server: ChildProcess,
  ): Promise<RunFigures> {
    log(`${label} for ${options.duration} s, one request every ${(1000 / options.rate).toFixed(2)} ms…`);
    return this.costed(server, () => drivePaced({ ...options, connections: this.connections }));
  }

  private async costed<T extends RunFigures>(server: ChildProcess, run: () => Promise<T>): Promise<T> {
    const cpuBefore = cpuSeconds(server);
    const result = await run();
    const requests = Math.max(1, result.requests.total);
    this.cpuPerRequest.set(result, ((cpuSeconds(server) - cpuBefore) * 1e6) / requests);
    return result;
  }
}

/** Half of a closed-loop run's rate: paced there, latency is the service's, not queueing. */
export function halfSaturationRate(saturated: autocannon.Result): number {
  return Math.max(1, Math.floor(saturated.requests.average / 2));
}
