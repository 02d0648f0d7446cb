import request from 'supertest';
import { callersOf, Caller, UNKNOWN_UUID, UNKNOWN_SLUG, WellFormedPaths } from './route-callers';
import {
  dtoProperties,
  discoverSourceRoutes,
  DiscoveredRoute,
  fillPath,
  routeName,
  takesBody,
} from './route-discovery';
import { TestApp } from './test-app';

/**
 * The bad-input sweep's catalogue of hostile requests (test/e2e/bad-input-sweep.e2e-spec.ts): for
 * every route found in the sources and every caller the rule table lets through, the generic
 * bodies, hostile path values, hostile queries and one wrong-typed value per DTO property, each
 * with what the answer must be.
 */

export type Expectation = 'reject' | '413' | 'no-5xx';

export interface SweepCase {
  route: DiscoveredRoute;
  caller: Caller;
  kind: 'body' | 'path' | 'query' | 'property';
  name: string;
  expectation: Expectation;
  send: (agent: request.Agent, t: TestApp) => request.Test;
}

export const ROUTES = discoverSourceRoutes();
export const WELL_FORMED = new WellFormedPaths();
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

export const CASES: SweepCase[] = ROUTES.flatMap((route) =>
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

export const TABLE: [string, SweepCase][] = CASES.map((c) => [
  `${routeName(c.route)} as ${c.caller} [${c.kind}] ${c.name}`,
  c,
]);
