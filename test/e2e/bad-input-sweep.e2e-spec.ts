import { writeFileSync } from 'node:fs';
import request from 'supertest';
import { Client } from 'pg';
import { callersOf, Caller, UNKNOWN_UUID, UNKNOWN_SLUG, WellFormedPaths } from '../utils/route-callers';
import {
  dtoProperties,
  discoverAppRoutes,
  discoverSourceRoutes,
  DiscoveredRoute,
  fillPath,
  isWrite,
  routeName,
  takesBody,
} from '../utils/route-discovery';
import { startTestApp, TEST_SECRETS, TestApp } from '../utils/test-app';
import { connectTo } from '../utils/test-database';

/**
 * Bad-input robustness sweep: every route of the app (found by reflection, so routes other
 * modules add are covered automatically) × a set of hostile requests, as a role the rule table
 * lets through the guards. The standard: bad input gets a 4xx with `{ statusCode, error,
 * message, details? }`; never a 500, never a 2xx on a write route for clearly invalid input,
 * never a partial write, and no response ever leaks a connection string or an API key.
 *
 * Beyond the brief's generic bodies, each property a DTO declares (class-validator metadata) is
 * also sent alone with a wrong-typed value, so a crash in a transform or validator shows up.
 *
 * Expectations per case:
 * - `reject`: a 4xx with the error shape;
 * - `413`: exactly 413 with the error shape;
 * - `no-5xx`: the input may be legitimate for this route (an empty body where every property is
 *   optional, a well-formed id on a listing that may be empty, a query a route does not read):
 *   any status below 500, and the error shape when it is an error.
 */

type Expectation = 'reject' | '413' | 'no-5xx';

interface SweepCase {
  route: DiscoveredRoute;
  caller: Caller;
  kind: 'body' | 'path' | 'query' | 'property';
  name: string;
  expectation: Expectation;
  send: (agent: request.Agent, t: TestApp) => request.Test;
}

interface Failure {
  route: string;
  caller: Caller;
  case: string;
  status: number;
  problems: string[];
  body: string;
}

const ROUTES = discoverSourceRoutes();
const WELL_FORMED = new WellFormedPaths();
const wellFormedFor = (route: DiscoveredRoute) => WELL_FORMED.for(route);

function call(agent: request.Agent, route: DiscoveredRoute, url: string): request.Test {
  return (agent as unknown as Record<string, (url: string) => request.Test>)[route.method].call(agent, url);
}

const json = (test: request.Test, raw: string): request.Test =>
  test.set('Content-Type', 'application/json').send(raw);

type CaseSpec = Omit<SweepCase, 'route' | 'caller' | 'kind'>;

function bodyCases(route: DiscoveredRoute): CaseSpec[] {
  const url = () => fillPath(route.path, wellFormedFor(route));
  const hasBody = route.body !== 'none';
  const invalid: Expectation = hasBody ? 'reject' : 'no-5xx';
  const depth = 20_000;
  return [
    // The JSON parser is global: unparseable or non-object JSON is refused whatever the route reads.
    { name: 'malformed JSON', expectation: 'reject', send: (a) => json(call(a, route, url()), '{"a": 1,') },
    {
      name: 'unsupported charset (utf-16)',
      expectation: 'reject',
      send: (a) => call(a, route, url()).set('Content-Type', 'application/json; charset=utf-16').send('{}'),
    },
    {
      name: 'Content-Encoding gzip, not gzipped',
      expectation: 'reject',
      send: (a) =>
        call(a, route, url())
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', 'gzip')
          .send('{"x":1}'),
    },
    { name: 'JSON null', expectation: 'reject', send: (a) => json(call(a, route, url()), 'null') },
    { name: 'JSON string', expectation: 'reject', send: (a) => json(call(a, route, url()), '"hello"') },
    { name: 'JSON array []', expectation: invalid, send: (a) => json(call(a, route, url()), '[]') },
    { name: 'JSON array [{}]', expectation: invalid, send: (a) => json(call(a, route, url()), '[{}]') },
    {
      name: 'text/plain string',
      expectation: invalid,
      send: (a) => call(a, route, url()).set('Content-Type', 'text/plain').send('hello'),
    },
    {
      name: 'unknown property {"x":1}',
      expectation: invalid,
      send: (a) => json(call(a, route, url()), '{"x":1}'),
    },
    { name: 'empty object {}', expectation: 'no-5xx', send: (a) => json(call(a, route, url()), '{}') },
    {
      name: `deeply nested JSON (depth ${depth})`,
      expectation: invalid,
      send: (a) => json(call(a, route, url()), `${'{"x":'.repeat(depth)}1${'}'.repeat(depth)}`),
    },
    {
      name: 'body just over the limit → 413',
      expectation: '413',
      send: (a, t) => json(call(a, route, url()), `{"x":"${'a'.repeat(t.config.BODY_LIMIT_BYTES)}"}`),
    },
  ];
}

/**
 * Path parameters naming something outside the register: a data subject is known to the calling
 * systems, not to Finalité, so any well-formed subject id is a valid target (recording a consent,
 * requesting an erasure or listing the restrictions of a subject seen for the first time).
 */
const OPEN_PATH_PARAMS = ['subjectId'];

/** `invalid`: malformed for any parameter (too long, control character, undecodable). */
const HOSTILE_PATH_VALUES: { name: string; value: string; invalid: boolean }[] = [
  { name: 'unknown UUID', value: UNKNOWN_UUID, invalid: false },
  { name: 'unknown slug no.such.thing', value: UNKNOWN_SLUG, invalid: false },
  { name: 'traversal ..%2F..%2Fetc', value: '..%2F..%2Fetc', invalid: false },
  { name: '500 characters', value: 'a'.repeat(500), invalid: true },
  { name: 'NUL byte %00', value: '%00', invalid: true },
  { name: 'SQL injection', value: encodeURIComponent("'; DROP TABLE x; --"), invalid: false },
  { name: 'unicode', value: encodeURIComponent('ünïcødé-名前-💥'), invalid: false },
  { name: 'malformed percent-encoding', value: '%E0%A4%A', invalid: true },
];

function pathCases(route: DiscoveredRoute): CaseSpec[] {
  return route.pathParams.flatMap((param): CaseSpec[] =>
    HOSTILE_PATH_VALUES.map(({ name, value, invalid }) => {
      const url = () => fillPath(route.path, (p) => (p === param ? value : wellFormedFor(route)(p)));
      return {
        name: `:${param} = ${name}`,
        // Unknown or malformed: 404 or 400, on reads as on writes (a listing under an unknown
        // parent is a 404 too). Only an open parameter may take any well-formed value.
        expectation: invalid || !OPEN_PATH_PARAMS.includes(param) ? 'reject' : 'no-5xx',
        send: (a: request.Agent) => {
          const test = call(a, route, url());
          return takesBody(route) ? json(test, '{}') : test;
        },
      };
    }),
  );
}

/**
 * Each property a body DTO declares, alone, with a value of the wrong type (an object where a
 * scalar is expected, an array, a string that is no ISO-8601 duration, date or number): a crash
 * in a transform or custom validator shows up here. The value may suit a free-form property, so
 * these only must not 5xx (2xx writes are listed in the report).
 */
const WRONG_BODY_VALUES: { name: string; value: unknown }[] = [
  { name: 'an object', value: { $gt: '' } },
  { name: 'an array', value: ['a', 1, null] },
  { name: 'an invalid ISO-8601 duration "P1Y2Q"', value: 'P1Y2Q' },
];

/**
 * Write-only secrets (a system's connection string, a webhook secret): a refused value must not
 * be echoed back in the error details, or the credentials leak into client logs. (Other properties
 * may echo the caller's own value: that is what `details` is for.)
 */
const SECRET_PROPERTY = /connection|secret|password|token|credential/i;
const OVERLONG_CONNECTION_STRING = `postgres://sweep:hunter2@db.invalid:5432/x?${'a'.repeat(5000)}`;

function propertyCases(route: DiscoveredRoute): CaseSpec[] {
  if (!route.bodyType) return [];
  const url = () => fillPath(route.path, wellFormedFor(route));
  return dtoProperties(route.bodyType).flatMap((property) =>
    [
      ...WRONG_BODY_VALUES,
      ...(SECRET_PROPERTY.test(property)
        ? [{ name: 'an over-long connection string with credentials', value: OVERLONG_CONNECTION_STRING }]
        : []),
    ].map(({ name, value }) => ({
      name: `${property} as ${name}`,
      expectation: 'no-5xx' as const,
      send: (a: request.Agent) => json(call(a, route, url()), JSON.stringify({ [property]: value })),
    })),
  );
}

/** The same for each property of a query DTO, with what a query string can carry. */
const WRONG_QUERY_VALUES: { name: string; query: (p: string) => string }[] = [
  { name: 'an object', query: (p) => `${p}[$gt]=a` },
  { name: 'repeated', query: (p) => `${p}=a&${p}=b` },
  { name: 'an invalid ISO-8601 duration "P1Y2Q"', query: (p) => `${p}=P1Y2Q` },
  { name: 'a NUL byte', query: (p) => `${p}=%00` },
];

function queryPropertyCases(route: DiscoveredRoute): CaseSpec[] {
  if (route.method !== 'get' || !route.queryType) return [];
  const url = () => fillPath(route.path, wellFormedFor(route));
  return dtoProperties(route.queryType).flatMap((property) =>
    WRONG_QUERY_VALUES.map(({ name, query }) => ({
      name: `?${property} as ${name}`,
      expectation: 'no-5xx' as const,
      send: (a: request.Agent) => call(a, route, `${url()}?${query(property)}`),
    })),
  );
}

const forgedCursor = (keys: unknown[]) => Buffer.from(JSON.stringify(keys), 'utf8').toString('base64url');

/**
 * `forged`: a cursor the server never issued but that decodes; a route may answer it with an
 * empty page (2xx), never with a 5xx.
 */
const HOSTILE_QUERIES: { name: string; query: string; forged?: boolean }[] = [
  { name: 'limit=-1', query: 'limit=-1' },
  { name: 'limit=abc', query: 'limit=abc' },
  { name: 'limit repeated', query: 'limit=1&limit=2' },
  { name: 'limit as an object', query: 'limit[$gt]=0' },
  { name: 'cursor=garbage', query: 'cursor=garbage' },
  {
    name: 'forged cursor ["not-a-date", NUL]',
    query: `cursor=${forgedCursor(['not-a-date', '\u0000'])}`,
    forged: true,
  },
  { name: 'forged cursor [NUL]', query: `cursor=${forgedCursor(['\u0000'])}`, forged: true },
  { name: 'from=not-a-date', query: 'from=not-a-date' },
  { name: 'unknown query parameter', query: 'noSuchParam=1' },
];

function queryCases(route: DiscoveredRoute): CaseSpec[] {
  if (route.method !== 'get') return [];
  const url = () => fillPath(route.path, wellFormedFor(route));
  return HOSTILE_QUERIES.map(({ name, query, forged }) => ({
    name: `?${name}`,
    // A validated query DTO (whitelist + forbidNonWhitelisted) must refuse all of these; a route
    // that reads no query at all may ignore them.
    expectation: route.queryDto && !forged ? 'reject' : 'no-5xx',
    send: (a) => call(a, route, `${url()}?${query}`),
  }));
}

const CASES: SweepCase[] = ROUTES.flatMap((route) =>
  callersOf(route).flatMap((caller) =>
    [
      ...(takesBody(route) ? bodyCases(route) : []).map((c) => ({ ...c, kind: 'body' as const })),
      ...pathCases(route).map((c) => ({ ...c, kind: 'path' as const })),
      ...queryCases(route).map((c) => ({ ...c, kind: 'query' as const })),
      ...(takesBody(route) ? propertyCases(route) : []).map((c) => ({ ...c, kind: 'property' as const })),
      ...queryPropertyCases(route).map((c) => ({ ...c, kind: 'property' as const })),
    ].map((c) => ({ ...c, route, caller })),
  ),
);

const TABLE: [string, SweepCase][] = CASES.map((c) => [
  `${routeName(c.route)} as ${c.caller} [${c.kind}] ${c.name}`,
  c,
]);

function secretsOf(t: TestApp): string[] {
  return [
    ...Object.values(t.keys).filter((k): k is string => !!k),
    TEST_SECRETS.AUDIT_HMAC_KEY,
    TEST_SECRETS.SECRETS_KEY,
    ...(t.databaseUrl ? [t.databaseUrl] : []),
  ];
}

/** The whole response body as text, binary ones (PDF, CSV downloads) included. */
function textOf(res: request.Response): string {
  if (typeof res.text === 'string') return res.text;
  return Buffer.isBuffer(res.body) ? res.body.toString('latin1') : JSON.stringify(res.body ?? '');
}

/** Problems with one response against its expectation; empty when it conforms. */
function problemsOf(res: request.Response, expectation: Expectation, secrets: string[]): string[] {
  const problems: string[] = [];
  const text = textOf(res);
  // A connection string with something after the scheme (a validation message may name the scheme).
  const leak = /postgres(?:ql)?:\/\/[^\s"'`,;)]/.exec(text);
  if (leak) {
    problems.push(
      `leaks a connection string: …${text.slice(Math.max(0, leak.index - 60), leak.index + 40)}…`,
    );
  }
  for (const secret of secrets) if (text.includes(secret)) problems.push('leaks an API key or secret');

  const status = res.status;
  if (status >= 500) problems.push(`server error ${status}`);
  else if (expectation === 'reject' && (status < 400 || status >= 500))
    problems.push(`expected a 4xx, got ${status}`);
  else if (expectation === '413' && status !== 413) problems.push(`expected 413, got ${status}`);

  if (status >= 400) {
    const body = res.body as Record<string, unknown> | undefined;
    const shapeOk =
      /^application\/json/.test(String(res.headers['content-type'] ?? '')) &&
      !!body &&
      typeof body === 'object' &&
      !Array.isArray(body) &&
      body.statusCode === status &&
      typeof body.error === 'string' &&
      /^[A-Z][A-Z0-9_]*$/.test(body.error) &&
      typeof body.message === 'string' &&
      body.message.length > 0 &&
      Object.keys(body).every((k) => ['statusCode', 'error', 'message', 'details'].includes(k));
    if (!shapeOk) problems.push('error body is not { statusCode, error, message, details? }');
  }
  return problems;
}

/** Row counts of every table: a rejected write must leave them unchanged. */
async function rowCounts(db: Client, tables: string[]): Promise<Record<string, number>> {
  if (tables.length === 0) return {};
  const sql = tables.map((name, i) => `(SELECT count(*) FROM "${name}")::int AS c${i}`).join(', ');
  const { rows } = await db.query<Record<string, number>>(`SELECT ${sql}`);
  return Object.fromEntries(tables.map((name, i) => [name, rows[0][`c${i}`]]));
}

describe('Bad-input sweep (every route × hostile requests)', () => {
  let t: TestApp;
  let db: Client;
  let tables: string[] = [];
  let secrets: string[] = [];
  const failures: Failure[] = [];
  /** Write requests a route accepted (2xx) within the tolerated cases, for the record. */
  const accepted: string[] = [];
  let unsettled = false;

  /** Waits until the row counts stop changing (at most ~5 s). */
  async function settle(): Promise<void> {
    let previous = JSON.stringify(await rowCounts(db, tables));
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const current = JSON.stringify(await rowCounts(db, tables));
      if (current === previous) break;
      previous = current;
    }
    unsettled = false;
  }

  beforeAll(async () => {
    t = await startTestApp();
    await WELL_FORMED.resolve(ROUTES);
    db = await connectTo(t.databaseUrl!);
    const { rows } = await db.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    tables = rows.map((r) => r.name);
    secrets = secretsOf(t);
  });

  afterAll(async () => {
    const reportFile = process.env.BAD_INPUT_SWEEP_REPORT;
    if (reportFile)
      writeFileSync(reportFile, JSON.stringify({ cases: CASES.length, failures, accepted }, null, 2));
    await db?.end();
    await t?.close();
  });

  it('runs without Redis (REDIS_URL unset)', () => {
    expect(t.config.REDIS_URL).toBeUndefined();
  });

  it('covers exactly the routes of the running app', () => {
    const running = discoverAppRoutes(t.app).map((r) => `${routeName(r)} (${r.handler})`);
    const swept = ROUTES.map((r) => `${routeName(r)} (${r.handler})`);
    expect(running.length).toBeGreaterThan(20);
    // A controller outside a *.controller.ts file, or a controller file no module registers.
    expect({ notSwept: running.filter((r) => !swept.includes(r)) }).toEqual({ notSwept: [] });
    expect({ notRunning: swept.filter((r) => !running.includes(r)) }).toEqual({ notRunning: [] });
  });

  it('finds a well-formed value for every path parameter (else its pipe masks the other probes)', () => {
    const missing = ROUTES.flatMap((r) =>
      r.pathParams.filter((p) => !WELL_FORMED.has(r, p)).map((p) => `${routeName(r)} :${p}`),
    );
    expect(missing).toEqual([]);
  });

  it('has a caller for every route (public, or a role the rule table lets through)', () => {
    expect(ROUTES.filter((r) => callersOf(r).length === 0).map(routeName)).toEqual([]);
  });

  it.each(TABLE)('%s', async (_name, c) => {
    const agent = c.caller === 'public' ? t.http() : t.as(c.caller);
    const write = isWrite(c.route);
    // After an accepted write, let its background work (jobs, audit) finish first, so that a
    // change seen around the next request is that request's own.
    if (write && unsettled) await settle();
    const before = write ? await rowCounts(db, tables) : undefined;
    const res = await c.send(agent, t);
    const problems = problemsOf(res, c.expectation, secrets);
    if (before) {
      const after = await rowCounts(db, tables);
      const changed = tables.filter((name) => before[name] !== after[name]);
      if (res.status >= 400 && changed.length > 0) {
        problems.push(`partial write: rows changed in ${changed.join(', ')}`);
      }
      unsettled = res.status < 400 || changed.length > 0;
      if (res.status < 300) accepted.push(`${routeName(c.route)} as ${c.caller}: ${c.name} → ${res.status}`);
    }
    if (problems.length > 0) {
      failures.push({
        route: routeName(c.route),
        caller: c.caller,
        case: c.name,
        status: res.status,
        problems,
        body: textOf(res).slice(0, 300),
      });
    }
    expect({ status: res.status, problems, body: textOf(res).slice(0, 300) }).toEqual({
      status: res.status,
      problems: [],
      body: textOf(res).slice(0, 300),
    });
  });
});
