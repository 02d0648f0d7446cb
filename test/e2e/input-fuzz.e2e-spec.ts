import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { Client } from 'pg';
import request from 'supertest';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { bodiesFor } from '../utils/fuzz-bodies';
import { callersOf, WellFormedPaths } from '../utils/route-callers';
import { discoverSourceRoutes, fillPath, isWrite, routeName } from '../utils/route-discovery';
import { startTestApp, TestApp } from '../utils/test-app';
import { connectTo } from '../utils/test-database';

/**
 * Property-based fuzzing of every write route (found by reflection), issue 11. Bodies are
 * structured mutations of a valid body (wrong types, huge strings, deep nesting, unicode,
 * prototype keys, numbers at limits, extra fields) and raw garbage; the register import also gets
 * YAML. Each request is sent as a role the rule table lets through (a valid key: no audited
 * authentication failure). Properties:
 * - never a 5xx;
 * - a prototype key in a body is refused (4xx) by every route that reads a body;
 * - a refused request (4xx) changed nothing: register revision and audit head (seq, hash) as
 *   before. No refusal is audited by design on these routes for an authenticated caller allowed
 *   by the rule table (authentication failures are, with the system actor, but none is sent here).
 *   The head may still move by background work of an EARLIER accepted request (an erasure run, a
 *   retried job): each request carries its own X-Request-Id, and an event with the refused
 *   request's id fails the property while events of other requests are counted and printed;
 * - the process stays up: a health request after each route's batch.
 *
 * Seeded (FC_SEED, default fixed) and bounded (FC_RUNS per route, default 12); a failure prints the
 * seed, the counterexample path and the route, e.g. `FC_SEED=42 FC_RUNS=50 npm run test:e2e -- input-fuzz`.
 */

const SEED = Number(process.env.FC_SEED ?? 20_261_204);
const RUNS = Number(process.env.FC_RUNS ?? 12);

const ROUTES = discoverSourceRoutes().filter(isWrite);
const WELL_FORMED = new WellFormedPaths();

const CASES = ROUTES.flatMap((route) => callersOf(route).map((caller) => ({ route, caller })));

describe('Input fuzzing (every write route, fast-check)', () => {
  let t: TestApp;
  let db: Client;
  let requests = 0;
  /** Audit events of earlier accepted requests that landed while a refused one was checked. */
  let backgroundEvents = 0;
  const started = Date.now();

  interface WriteState {
    revision: string;
    seq: string | null;
    hash: string | null;
  }

  /** What a refused request must leave unchanged. */
  async function writeState(): Promise<WriteState> {
    const { rows } = await db.query<WriteState>(
      `SELECT (SELECT revision FROM register_revision WHERE id = 1) AS revision, head.seq, head.hash
         FROM (SELECT 1) AS one
         LEFT JOIN LATERAL (SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1) AS head ON true`,
    );
    return rows[0];
  }

  /**
   * Why a refused request's state differs from before it, or undefined when it does not (or only
   * by background work). The register revision must not move. The audit head may move only by
   * events of earlier, accepted requests still finishing in the background (an erasure run retried
   * with backoff, say): they carry those requests' ids, never this one's (X-Request-Id).
   */
  async function refusalChanged(before: WriteState, requestId: string): Promise<string | undefined> {
    const after = await writeState();
    if (after.revision !== before.revision) return `register revision ${before.revision} → ${after.revision}`;
    if (after.seq === before.seq && after.hash === before.hash) return undefined;
    const { rows } = await db.query<{ seq: string; type: string; request_id: string | null }>(
      'SELECT seq, type, request_id FROM audit_event WHERE seq > $1 ORDER BY seq',
      [before.seq ?? '0'],
    );
    const own = rows.filter((r) => r.request_id === requestId);
    if (own.length > 0 || rows.length === 0) {
      return `audit head ${before.seq}/${before.hash} → ${after.seq}/${after.hash}: ${JSON.stringify(own)}`;
    }
    backgroundEvents += rows.length;
    return undefined;
  }

  /** After an accepted write, waits until its background work (audit, jobs) has settled. */
  async function settled(): Promise<WriteState> {
    let previous = await writeState();
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const current = await writeState();
      if (JSON.stringify(current) === JSON.stringify(previous)) return current;
      previous = current;
    }
    return previous;
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '1000000' } });
    await WELL_FORMED.resolve(ROUTES);
    db = await connectTo(t.databaseUrl!);
  });

  afterAll(async () => {
    console.log(
      `input fuzz: ${CASES.length} route×caller, ${requests} requests, seed ${SEED}, ${RUNS} runs each, ${Date.now() - started} ms; ` +
        `${backgroundEvents} audit events of earlier accepted requests landed during refusals`,
    );
    await db?.end();
    await t?.close();
  });

  it('attributes audit events to the request that caused them (what refusals are checked by)', async () => {
    await t
      .as(Role.Dpo)
      .post('/purposes')
      .set('X-Request-Id', 'fuzz-probe')
      .send(purposeInput({ code: 'fuzz.probe' }))
      .expect(201);
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_event WHERE request_id = 'fuzz-probe'`,
    );
    expect(Number(rows[0].n)).toBeGreaterThan(0);
  });

  it('covers every write route', () => {
    expect(CASES.length).toBeGreaterThan(20);
    expect(ROUTES.filter((r) => callersOf(r).length === 0).map(routeName)).toEqual([]);
  });

  it.each(CASES.map((c) => [`${routeName(c.route)} as ${c.caller}`, c] as const))('%s', async (name, c) => {
    const url = fillPath(c.route.path, WELL_FORMED.for(c.route));
    const agent = (): request.Agent => (c.caller === 'public' ? t.http() : t.as(c.caller));
    let state = await settled();
    const result = await fc.check(
      fc.asyncProperty(bodiesFor(c.route), async (body) => {
        const before = state;
        requests += 1;
        const requestId = `fuzz-${SEED}-${requests}`;
        // FC_TRACE=<file>: each request's route and mutation before it is sent (finds what a crash was).
        if (process.env.FC_TRACE)
          appendFileSync(process.env.FC_TRACE, `${name}: ${body.label} (${body.text.length} chars)\n`);
        const a = agent();
        const test = (a as unknown as Record<string, (u: string) => request.Test>)[c.route.method].call(
          a,
          url,
        );
        test.set('X-Request-Id', requestId);
        const res = await (body.text === ''
          ? test
          : test.set('Content-Type', body.contentType).send(body.text));
        if (res.status >= 500) throw new Error(`${body.label} → ${res.status} ${JSON.stringify(res.body)}`);
        if (body.mustRefuse && c.route.body !== 'none' && res.status < 400) {
          throw new Error(`${body.label} → ${res.status}: accepted, must be refused`);
        }
        if (res.status >= 400) {
          const changed = await refusalChanged(before, requestId);
          if (changed) throw new Error(`${body.label} → ${res.status} but changed: ${changed}`);
          state = await writeState();
        } else {
          state = await settled();
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    const health = await t.http().get('/health');
    expect(health.status).toBe(200);
    if (result.failed) {
      throw new Error(
        `${name}: ${String((result.errorInstance as Error | undefined)?.message ?? result.errorInstance)}\n` +
          `replay: FC_SEED=${SEED} (seed ${result.seed}, path "${result.counterexamplePath}")`,
      );
    }
  });
});
