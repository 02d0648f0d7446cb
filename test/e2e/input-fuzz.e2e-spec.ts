import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { Client } from 'pg';
import request from 'supertest';
import { stringify } from 'yaml';
import { Role } from '../../src/policies/role.enum';
import { crmRegisterDocument, datasetInput, systemInput } from '../factories/inventory.factory';
import { purposeInput } from '../factories/purpose.factory';
import { callersOf, WellFormedPaths } from '../utils/route-callers';
import {
  discoverSourceRoutes,
  DiscoveredRoute,
  dtoProperties,
  fillPath,
  isWrite,
  routeName,
  takesBody,
} from '../utils/route-discovery';
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

interface FuzzBody {
  contentType: string;
  text: string;
  label: string;
  /** Refused whatever the route (a prototype key, YAML past its limits), when the route reads a body. */
  mustRefuse?: boolean;
}

/** A few valid bodies to mutate (the rest start from their DTO's property names). */
const VALID_BODIES: Record<string, () => Record<string, unknown>> = {
  'POST /purposes': () => purposeInput({ code: 'fuzz.purpose' }),
  'POST /register/import': () => crmRegisterDocument(),
  'POST /subjects/:subjectId/consents': () => ({
    purpose: 'marketing.newsletter',
    status: 'granted',
    source: 'fuzz',
  }),
  'POST /systems': () => systemInput({ code: 'fuzzsys' }),
  'PATCH /systems/:code': () => systemInput({ code: undefined }),
  'POST /systems/:code/datasets': () => datasetInput(),
  'POST /access/check/batch': () => ({
    checks: [{ purpose: 'marketing.newsletter', action: 'read', fields: ['crm.public.customers.email'] }],
  }),
  'POST /access/explain': () => ({
    purpose: 'marketing.newsletter',
    action: 'read',
    fields: ['crm.public.customers.email'],
  }),
  'POST /access/check': () => ({
    purpose: 'marketing.newsletter',
    action: 'read',
    fields: ['crm.public.customers.email'],
  }),
};

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

const scalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308),
  fc.string({ maxLength: 16 }),
  fc.string({ unit: 'grapheme', maxLength: 16 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '💥',
    '\u202e',
    'P1Y2Q',
    '2026-13-45T99:00:00Z',
    "'; DROP TABLE x; --",
    '%00',
  ),
  fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'x'.repeat(n)),
);

const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('v'), { maxKeys: 3 }),
  ),
})).v;

/** `depth` levels of nesting around a value, written as JSON text. */
const nestedJson = (depth: number, inner: string) => `${'{"a":['.repeat(depth)}${inner}${']}'.repeat(depth)}`;

/** Inserts `"key": raw` as the first property of the first object of a JSON text. */
const injectKey = (json: string, key: string, raw: string) =>
  json.startsWith('{') ? `{"${key}":${raw}${json === '{}' ? '' : ','}${json.slice(1)}` : json;

type Path = (string | number)[];

/** Every path inside a value (objects and arrays), for mutations below the top level. */
function pathsOf(v: unknown, prefix: Path = []): Path[] {
  if (v === null || typeof v !== 'object') return [];
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
  return entries.flatMap(([k, x]) => [[...prefix, k], ...pathsOf(x, [...prefix, k])]);
}

/** A copy of `base` with the value at `path` replaced. */
function setAt(base: unknown, path: Path, v: unknown): unknown {
  if (path.length === 0) return v;
  const copy = (Array.isArray(base) ? [...base] : { ...(base as object) }) as Record<
    string | number,
    unknown
  >;
  copy[path[0]] = setAt(copy[path[0]], path.slice(1), v);
  return copy;
}

function propertiesOf(route: DiscoveredRoute, base: Record<string, unknown>): string[] {
  const names = new Set([...Object.keys(base), ...(route.bodyType ? dtoProperties(route.bodyType) : [])]);
  return names.size > 0 ? [...names] : ['x'];
}

/** Structured mutations of a valid (or empty) body, as JSON. */
function jsonBodies(route: DiscoveredRoute): fc.Arbitrary<FuzzBody> {
  const baseOf = VALID_BODIES[routeName(route)] ?? (() => ({}));
  const props = propertiesOf(route, baseOf());
  const json = (label: string, text: string): FuzzBody => ({ contentType: 'application/json', text, label });
  const deepPaths = pathsOf(baseOf()).filter((p) => p.length > 1);
  const nested = deepPaths.length
    ? [
        fc
          .tuple(fc.constantFrom(...deepPaths), value)
          .map(([path, v]) => json(`set ${path.join('.')}`, JSON.stringify(setAt(baseOf(), path, v)))),
      ]
    : [];
  return fc.oneof(
    ...nested,
    fc.tuple(fc.constantFrom(...props), value).map(([p, v]) => {
      const body = { ...baseOf(), [p]: v };
      return json(`set ${p}`, JSON.stringify(body));
    }),
    fc.constantFrom(...props).map((p) => {
      const body = baseOf();
      delete body[p];
      return json(`delete ${p}`, JSON.stringify(body));
    }),
    fc
      .tuple(fc.string({ minLength: 1, maxLength: 12 }), value)
      .map(([k, v]) => json(`extra ${JSON.stringify(k)}`, JSON.stringify({ ...baseOf(), [k]: v }))),
    fc
      .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.constantFrom(...props), fc.boolean())
      .map(([key, p, nested]) => {
        const base = baseOf();
        const text = nested
          ? JSON.stringify({ ...base, [p]: '__INJECT__' }).replace(
              '"__INJECT__"',
              `{"${key}":{"isAdmin":true}}`,
            )
          : injectKey(JSON.stringify(base), key, '{"isAdmin":true}');
        return { ...json(`prototype key ${key}${nested ? ` under ${p}` : ''}`, text), mustRefuse: true };
      }),
    fc
      .tuple(fc.constantFrom(...props), fc.integer({ min: 20, max: 200 }))
      .map(([p, depth]) =>
        json(
          `${p} nested ${depth} deep`,
          JSON.stringify({ ...baseOf(), [p]: '__DEEP__' }).replace('"__DEEP__"', nestedJson(depth, '1')),
        ),
      ),
    fc
      .oneof(fc.string({ maxLength: 64 }), fc.string({ unit: 'binary', maxLength: 64 }))
      .map((garbage) => json('raw garbage', garbage)),
    fc.tuple(fc.integer({ min: 1, max: 40 }), fc.constantFrom(...props)).map(([cut, p]) => {
      const text = JSON.stringify(baseOf()[p] === undefined ? { [p]: 1 } : baseOf());
      return json('truncated JSON', text.slice(0, Math.max(1, text.length - cut)));
    }),
  );
}

/** YAML bodies for the register import: mutated documents and hostile constructs. */
function yamlBodies(): fc.Arbitrary<FuzzBody> {
  const yaml = (label: string, text: string, contentType = 'application/yaml'): FuzzBody => ({
    contentType,
    text,
    label,
  });
  const doc = crmRegisterDocument();
  return fc.oneof(
    fc
      .tuple(fc.constantFrom('format', 'purposes', 'systems', 'extra'), value)
      .map(([p, v]) => yaml(`yaml set ${p}`, stringify({ ...doc, [p]: v }))),
    fc
      .tuple(fc.constantFrom(...pathsOf(doc)), value)
      .map(([path, v]) => yaml(`yaml set ${path.join('.')}`, stringify(setAt(doc, path, v)))),
    fc
      .integer({ min: 30, max: 5_000 })
      .map((n) => yaml(`yaml flow nested ${n}`, `purposes: ${'['.repeat(n)}${']'.repeat(n)}\n`)),
    fc
      .integer({ min: 30, max: 400 })
      .map((n) =>
        yaml(
          `yaml block nested ${n}`,
          Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'),
        ),
      ),
    fc
      .integer({ min: 2, max: 300 })
      .map((n) => yaml(`yaml ${n} aliases`, `a: &a [x, x, x]\nb: [${Array(n).fill('*a').join(', ')}]\n`)),
    fc.constantFrom(...PROTOTYPE_KEYS).map((key) => ({
      ...yaml(`yaml prototype key ${key}`, `${key}:\n  isAdmin: true\n${stringify(doc)}`),
      mustRefuse: true,
    })),
    fc
      .constantFrom(
        '!custom x',
        '!!binary aGVsbG8=',
        '!!js/function "function(){}"',
        '<<: *nothing',
        '&a [*a]',
      )
      .map((construct) =>
        yaml(`yaml construct ${construct}`, `format: ${construct}\npurposes: []\nsystems: []\n`),
      ),
    fc
      .tuple(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.constantFrom('application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'),
      )
      .map(([garbage, type]) => yaml(`yaml garbage as ${type}`, garbage, type)),
  );
}

function bodiesFor(route: DiscoveredRoute): fc.Arbitrary<FuzzBody> {
  if (!takesBody(route)) {
    return fc.constant<FuzzBody>({ contentType: 'application/json', text: '', label: 'no body' });
  }
  return routeName(route) === 'POST /register/import'
    ? fc.oneof(jsonBodies(route), yamlBodies())
    : jsonBodies(route);
}

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
