import { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import type { DecisionLog } from './audit-trail-check';
import { cpuSeconds, freePort, stop, waitFor } from './child-processes';
import type { LoadDriver } from './load-driver';
import { log } from './log';
import { ServiceSettings, startService, waitForPolicy } from './service-process';

export interface ScaleOutOptions {
  /** Service instances in all, the one already running at `base` included. */
  instances: number;
  duration: number;
  warmUpSeconds: number;
  load: LoadDriver;
  service: ServiceSettings;
  base: string;
  appKey: string;
  bodies: string[];
  decisions: DecisionLog;
  databaseUrl: string;
  dataDir: string;
}

export interface ScaleOut {
  perInstance: autocannon.Result[];
  total: number;
  p99: number;
  cpuMicros: number;
}

/**
 * The scale-out figure (docs/operations.md): `instances` - 1 more services on the same database and
 * Redis, then the access check driven on all of them at once (the connections split between
 * them) for `duration`; their decisions join the same log (checked in the one audit trail).
 */
export async function measureInstances(o: ScaleOutOptions): Promise<ScaleOut> {
  const { instances, load, appKey, bodies } = o;
  const extra: ChildProcess[] = [];
  const bases = [o.base];
  try {
    for (let i = 1; i < instances; i += 1) {
      const port = await freePort();
      extra.push(startService(o.service, port, o.databaseUrl, o.dataDir));
      bases.push(`http://127.0.0.1:${port}`);
    }
    for (const b of bases.slice(1)) {
      await waitFor(`${b}/health`, 120_000);
      await waitForPolicy(b, appKey, JSON.parse(bodies[1]) as Record<string, unknown>);
    }
    log(`warming up ${instances} instances…`);
    const connections = Math.max(1, Math.floor(load.connections / instances));
    await Promise.all(
      bases.map((b) =>
        load.drive({ url: `${b}/access/check`, key: appKey, bodies, duration: o.warmUpSeconds, connections }),
      ),
    );
    log(`POST /access/check on ${instances} instances for ${o.duration} s, ${connections} connections each…`);
    const servers = [...extra];
    const cpuBefore = servers.reduce((n, c) => n + cpuSeconds(c), 0);
    const perInstance = await Promise.all(
      bases.map((b) =>
        load.drive({
          url: `${b}/access/check`,
          key: appKey,
          bodies,
          decisions: o.decisions,
          duration: o.duration,
          connections,
        }),
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
