import { writeFileSync } from 'node:fs';
import request from 'supertest';
import { Client } from 'pg';
import { CASES, Expectation, ROUTES, TABLE, WELL_FORMED } from '../utils/bad-input-cases';
import { callersOf, Caller } from '../utils/route-callers';
import { discoverAppRoutes, isWrite, routeName } from '../utils/route-discovery';
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

interface Failure {
  route: string;
  caller: Caller;
  case: string;
  status: number;
  problems: string[];
  body: string;
}

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
