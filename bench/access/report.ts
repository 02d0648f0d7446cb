import autocannon from 'autocannon';
import type { RunFigures } from './paced-driver';
import type { ScaleOut } from './scale-out';

/** Issue 18's targets, as ratios to the plain node:http server measured in the same run. */
const TARGETS = {
  checkToPlain: 0.15,
  checkToPlainGoal: 0.25,
  healthToPlain: 0.4,
  checkToMe: 0.8,
  p99AtHalfSaturationMs: 10,
};

export interface ReportInput {
  register: { purposes: number; fields: number; bindings: number; subjects: number; consents: number };
  connections: number;
  duration: number;
  plain: autocannon.Result;
  floors: [string, autocannon.Result][];
  health: autocannon.Result;
  me: autocannon.Result;
  check: autocannon.Result;
  /** The access check at `halfRate` req/s, sent at even intervals (open loop). */
  paced: RunFigures;
  /** The same rate with autocannon's per-second pacing (bursts): printed for comparison. */
  burst: autocannon.Result;
  halfRate: number;
  instances: number;
  scaleOut: ScaleOut | null;
  /** CPU µs per request of the serving process, by run (LoadDriver.cpuPerRequest). */
  cpuPerRequest: ReadonlyMap<RunFigures, number>;
  /** 2xx decisions answered, and how many of them the audit trail lacks. */
  decisions: { answered: number; missing: number };
}

/**
 * Prints the table and the verdicts to stdout; returns the failed requests over all runs (errors,
 * timeouts, non-2xx), a broken guarantee like a decision missing from the audit trail.
 */
export function printReport(input: ReportInput): { failed: number } {
  const { plain, health, me, check, paced, burst, halfRate, scaleOut, instances } = input;
  const { missing } = input.decisions;
  const cpuPerRequest = new Map(input.cpuPerRequest);
  const runs: [string, RunFigures][] = [
    ['plain node:http', plain],
    ...input.floors,
    ['GET /health', health],
    ['GET /me', me],
    ['POST /access/check', check],
    [`  at ${halfRate} req/s (½), even`, paced],
    [`  same, autocannon bursts`, burst],
  ];
  if (scaleOut) {
    runs.push(
      ...scaleOut.perInstance.map(
        (r, i) => [`  instance ${i + 1} of ${instances}`, r] as [string, RunFigures],
      ),
    );
    for (const r of scaleOut.perInstance) cpuPerRequest.set(r, scaleOut.cpuMicros);
  }
  const failed = runs.reduce((n, [, r]) => n + r.errors + r.timeouts + r.non2xx, 0);
  const ratio = (r: RunFigures) => r.requests.average / plain.requests.average;
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const checkRatio = ratio(check);
  const { register } = input;
  const lines = [
    '',
    `register: ${register.purposes} purposes, ${register.fields} fields, ${register.bindings} bindings, ` +
      `${register.subjects} subjects with ${register.consents} consents; ${input.connections} connections, ${input.duration} s each`,
    '',
    `${'route'.padEnd(26)} ${'req/s'.padStart(7)}   ${'p50'.padStart(7)}   ${'p99'.padStart(7)}   ratio to plain   errors   CPU µs/req   CPU ratio`,
    ...runs.map(([label, r]) =>
      row(label, r, ratio(r), cpuPerRequest.get(r)!, cpuPerRequest.get(plain)! / cpuPerRequest.get(r)!),
    ),
    '',
    `${verdict(checkRatio >= TARGETS.checkToPlain)}  access check ÷ plain = ${checkRatio.toFixed(3)}   ` +
      `(target ≥ ${TARGETS.checkToPlain}; goal ${TARGETS.checkToPlainGoal}: ${checkRatio >= TARGETS.checkToPlainGoal ? 'met' : 'not met'})`,
    `${verdict(ratio(health) >= TARGETS.healthToPlain)}  GET /health ÷ plain = ${ratio(health).toFixed(3)}   (target ≥ ${TARGETS.healthToPlain})`,
    `${verdict(check.requests.average / me.requests.average >= TARGETS.checkToMe)}  access check ÷ GET /me = ` +
      `${(check.requests.average / me.requests.average).toFixed(3)}   (target ≥ ${TARGETS.checkToMe})`,
    `${verdict(paced.latency.p99 <= TARGETS.p99AtHalfSaturationMs)}  access check p99 at half saturation ` +
      `(${halfRate} req/s, even intervals) = ${paced.latency.p99} ms   (target ≤ ${TARGETS.p99AtHalfSaturationMs} ms)`,
    `INFO  the same rate with autocannon's pacing (each connection sends its quota at the start of ` +
      `every second): p99 ${burst.latency.p99} ms, the latency of a saturated burst`,
    ...(scaleOut
      ? [
          `INFO  access check over ${instances} instances: ${scaleOut.total.toFixed(0)} req/s = ` +
            `${(scaleOut.total / check.requests.average).toFixed(2)}× one instance, ` +
            `${(scaleOut.total / plain.requests.average).toFixed(3)}× plain; p99 ${scaleOut.p99} ms; ` +
            `CPU µs/req over all instances ${scaleOut.cpuMicros.toFixed(0)}`,
        ]
      : []),
    ...input.floors.map(
      ([label, r]) =>
        `INFO  ${label} ÷ plain = ${ratio(r).toFixed(3)}; GET /health ÷ this floor = ` +
        `${(health.requests.average / r.requests.average).toFixed(3)}`,
    ),
    `${verdict(missing === 0)}  2xx decisions answered: ${input.decisions.answered}; missing from the audit trail: ${missing}`,
    `${verdict(failed === 0)}  errors, timeouts and non-2xx answers over all runs: ${failed}`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  return { failed };
}

/** cpuRatio: CPU per request of the plain server ÷ this route's (the throughput ratio if CPU-bound alone). */
function row(label: string, r: RunFigures, ratio: number, cpuMicros: number, cpuRatio: number): string {
  return (
    `${label.padEnd(26)} ${r.requests.average.toFixed(0).padStart(7)}   ` +
    `${`${r.latency.p50} ms`.padStart(7)}   ${`${r.latency.p99} ms`.padStart(7)}   ` +
    `${ratio.toFixed(3).padStart(14)}   ${String(r.errors + r.timeouts + r.non2xx).padStart(6)}   ` +
    `${cpuMicros.toFixed(0).padStart(10)}   ${cpuRatio.toFixed(3).padStart(9)}`
  );
}
