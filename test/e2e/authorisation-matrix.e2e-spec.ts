import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import request from 'supertest';
import { generateApiKey } from '../../src/modules/principals/api-key';
import { AbilityFactory } from '../../src/policies/ability.factory';
import { POLICY_KEY, PUBLIC_KEY, RequiredPolicy } from '../../src/policies/check-policy.decorator';
import { ALL_ROLES, Role } from '../../src/policies/role.enum';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * The authorisation matrix, end to end: every route of the running app (found by reflection,
 * so routes other modules add are covered automatically) × every role and every kind of bad
 * key, against the expectation computed from the same rule table the guards use.
 */

/**
 * Exceptions to "everything but /health* and /docs* is authenticated", each a deliberate choice
 * of its module: the checkpoint-signing public key must be fetchable by outside verifiers; a
 * retention callback is authenticated by the single-use token in its path, not by an API key.
 * Adding a public route means adding it here, visibly.
 */
// Only /health* and /docs* are public; the webhook callback is authenticated by its one-time token
// (the customer system calling back holds no API key).
// Console sign-in takes the API key in its body (ADR 0043).
const PUBLIC_BY_DESIGN = ['POST /retention/callbacks/:token', 'POST /auth/session'];

interface DiscoveredRoute {
  method: string;
  path: string;
  handler: string;
  isPublic: boolean;
  policy?: RequiredPolicy;
}

/** A console session of a role (cookie + X-CSRF-Token): the same rules as that role's key. */
type SessionIdentity = `session:${Role}`;
type Identity =
  Role | SessionIdentity | 'no key' | 'unknown key' | 'revoked key' | 'expired key' | 'disabled principal';
/** Applications cannot sign in to the console (CONSOLE_NOT_FOR_APPLICATIONS). */
const SESSION_ROLES = ALL_ROLES.filter((r) => r !== Role.Application);
const SESSION_IDENTITIES: SessionIdentity[] = SESSION_ROLES.map((r) => `session:${r}` as const);
/** Signing out would end the probing session itself: covered by the console session suite. */
const NOT_PROBED_WITH_SESSIONS = ['delete /auth/session'];
const BAD_IDENTITIES: Identity[] = [
  'no key',
  'unknown key',
  'revoked key',
  'expired key',
  'disabled principal',
];

interface Probe {
  route: DiscoveredRoute;
  identity: Identity;
  status: number;
  error?: string;
}

/** Every controller route of the app, with its @Public/@CheckPolicy metadata. */
function discoverRoutes(t: TestApp): DiscoveredRoute[] {
  const modules = t.app.get(ModulesContainer, { strict: false });
  const scanner = new MetadataScanner();
  const routes: DiscoveredRoute[] = [];
  const seen = new Set<Type>();
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller || seen.has(controller)) continue;
      seen.add(controller);
      const prefixes = asArray(
        Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined,
      );
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name] as object;
        const methodPath = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (methodPath === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const isPublic =
          (Reflect.getMetadata(PUBLIC_KEY, handler) ?? Reflect.getMetadata(PUBLIC_KEY, controller)) === true;
        const policy = (Reflect.getMetadata(POLICY_KEY, handler) ??
          Reflect.getMetadata(POLICY_KEY, controller)) as RequiredPolicy | undefined;
        for (const prefix of prefixes) {
          for (const sub of asArray(methodPath)) {
            routes.push({
              method: method.toLowerCase(),
              path: `/${[prefix, sub].filter(Boolean).join('/')}`
                .replace(/\/+/g, '/')
                .replace(/(.)\/$/, '$1'),
              handler: `${controller.name}.${name}`,
              isPublic,
              policy,
            });
          }
        }
      }
    }
  }
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

function asArray(value: string | string[] | undefined): string[] {
  return value === undefined ? [''] : Array.isArray(value) ? value : [value];
}

/** A harmless concrete URL: well-formed but unknown ids, so an authorised request ends in 400/404. */
function concretePath(path: string): string {
  return path
    .replace(/\{?\*(\w+)\}?/g, 'matrix-probe')
    .replace(/:(\w+)/g, (_m, name: string) =>
      /id$/i.test(name) ? '00000000-0000-4000-8000-000000000000' : 'matrix.probe',
    )
    .replace(/[{}]/g, '');
}

function send(agent: request.Agent, route: DiscoveredRoute): request.Test {
  const url = concretePath(route.path);
  const call = (agent as unknown as Record<string, (url: string) => request.Test>)[route.method].call(
    agent,
    url,
  );
  // An empty body: validation (which runs after the guards) refuses it if authorisation passed.
  return ['post', 'put', 'patch'].includes(route.method) ? call.send({}) : call;
}

/** What the rule table says one identity gets on one route. */
function expectedFor(
  route: DiscoveredRoute,
  identity: Identity,
): 'allowed' | 'forbidden' | 'unauthenticated' {
  if (route.isPublic) return 'allowed';
  if (BAD_IDENTITIES.includes(identity)) return 'unauthenticated';
  const role = (identity.startsWith('session:') ? identity.slice('session:'.length) : identity) as Role;
  const ability = new AbilityFactory().createFor({
    id: 'matrix',
    roles: [role],
    purposeCodes: [],
  });
  return route.policy && ability.can(route.policy.action, route.policy.subject, route.policy.field)
    ? 'allowed'
    : 'forbidden';
}

function outcomeOf(probe: Probe): 'allowed' | 'forbidden' | 'unauthenticated' {
  if (probe.status === 401) return 'unauthenticated';
  // A guard refusal is 403 FORBIDDEN; a service may refuse a record with its own 403 code after the guard let it through.
  if (probe.status === 403 && probe.error === 'FORBIDDEN') return 'forbidden';
  return 'allowed';
}

describe('Authorisation matrix (every route × every role and bad key)', () => {
  let t: TestApp;
  let routes: DiscoveredRoute[];
  const probes: Probe[] = [];
  const keys = new Map<Identity, string>();
  const sessions = new Map<Identity, { cookie: string; csrfToken: string }>();

  beforeAll(async () => {
    t = await startTestApp();
    routes = discoverRoutes(t);
    for (const role of ALL_ROLES) keys.set(role, t.keys[role]!);
    keys.set('unknown key', generateApiKey().key);

    // Keys of principals holding EVERY role, so nothing but the key's state can explain a refusal.
    const admin = () => t.as(Role.Admin);
    const allRoles = await admin()
      .post('/principals')
      .send({ name: 'matrix all roles', roles: ALL_ROLES })
      .expect(201);
    const revoked = await admin().post(`/principals/${allRoles.body.id}/keys`).send({}).expect(201);
    await admin().delete(`/principals/${allRoles.body.id}/keys/${revoked.body.id}`).expect(204);
    keys.set('revoked key', revoked.body.key);
    const expired = await admin()
      .post(`/principals/${allRoles.body.id}/keys`)
      .send({ expiresAt: new Date(Date.now() + 3_600_000).toISOString() })
      .expect(201);
    const db = await connectTo(t.databaseUrl!);
    try {
      // No API can back-date an expiry; the database can.
      await db.query(`UPDATE api_key SET expires_at = now() - interval '1 second' WHERE id = $1`, [
        expired.body.id,
      ]);
    } finally {
      await db.end();
    }
    keys.set('expired key', expired.body.key);
    const disabled = await admin()
      .post('/principals')
      .send({ name: 'matrix disabled', roles: ALL_ROLES })
      .expect(201);
    await admin().patch(`/principals/${disabled.body.id}`).send({ disabled: true }).expect(200);
    keys.set('disabled principal', disabled.body.key);

    for (const role of SESSION_ROLES) {
      const signedIn = await t.http().post('/auth/session').send({ apiKey: t.keys[role] }).expect(201);
      const cookie = String(signedIn.headers['set-cookie']?.[0] ?? '').split(';')[0];
      sessions.set(`session:${role}`, { cookie, csrfToken: signedIn.body.csrfToken as string });
    }

    const identities: Identity[] = [...ALL_ROLES, ...BAD_IDENTITIES, ...SESSION_IDENTITIES];
    const work = routes.flatMap((route) =>
      identities
        .filter(
          (identity) =>
            !sessions.has(identity) || !NOT_PROBED_WITH_SESSIONS.includes(`${route.method} ${route.path}`),
        )
        .map((identity) => ({ route, identity })),
    );
    // A few requests at a time: fast enough, and gentle on the shared machine.
    for (let i = 0; i < work.length; i += 6) {
      await Promise.all(
        work.slice(i, i + 6).map(async ({ route, identity }) => {
          const key = keys.get(identity);
          const session = sessions.get(identity);
          const agent = session
            ? t.http().set('Cookie', session.cookie).set('X-CSRF-Token', session.csrfToken)
            : key
              ? t.withKey(key)
              : t.http();
          const res = await send(agent, route);
          probes.push({
            route,
            identity,
            status: res.status,
            error: (res.body as { error?: string })?.error,
          });
        }),
      );
    }
    // Thousands of probes, growing with every route: ≈ 10 s idle here, past the default 60 s on
    // a host loaded with other suites and benches (seen). A slow host is not a failure.
  }, 240_000);
  afterAll(async () => {
    await t?.close();
  });

  it('finds the routes of the running app, including the principals routes', () => {
    const found = routes.map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'POST /principals',
        'GET /principals',
        'GET /principals/:id',
        'PATCH /principals/:id',
        'PUT /principals/:id/purposes',
        'POST /principals/:id/keys',
        'DELETE /principals/:id/keys/:keyId',
        'GET /me',
        'POST /auth/session',
        'GET /auth/session',
        'DELETE /auth/session',
        'GET /purposes',
        'GET /health',
      ]),
    );
  });

  it('every route is either @Public or declares a @CheckPolicy', () => {
    const undeclared = routes
      .filter((r) => !r.isPublic && !r.policy)
      .map((r) => `${r.method} ${r.path} (${r.handler})`);
    expect(undeclared).toEqual([]);
  });

  it('only the health probes (and the listed public-by-design routes) are public', () => {
    const unexpected = routes
      .filter((r) => r.isPublic && !r.path.startsWith('/health'))
      .map((r) => `${r.method.toUpperCase()} ${r.path}`)
      .filter((r) => !PUBLIC_BY_DESIGN.includes(r));
    expect(unexpected).toEqual([]);
  });

  it('answers every route × identity as the rule table says (401 / 403 / let through)', () => {
    const unprobedBySessions = routes.filter((r) =>
      NOT_PROBED_WITH_SESSIONS.includes(`${r.method} ${r.path}`),
    ).length;
    expect(probes).toHaveLength(
      routes.length * (ALL_ROLES.length + BAD_IDENTITIES.length + SESSION_IDENTITIES.length) -
        unprobedBySessions * SESSION_IDENTITIES.length,
    );
    const mismatches = probes
      .filter((p) => outcomeOf(p) !== expectedFor(p.route, p.identity))
      .map(
        (p) =>
          `${p.route.method.toUpperCase()} ${p.route.path} as ${p.identity}: expected ${expectedFor(p.route, p.identity)}, got ${p.status} ${p.error ?? ''}`,
      );
    expect(mismatches).toEqual([]);
  });

  it('refuses exactly where the table refuses: each role is refused somewhere and allowed somewhere', () => {
    for (const role of [...ALL_ROLES, ...SESSION_IDENTITIES]) {
      const mine = probes.filter((p) => p.identity === role && !p.route.isPublic);
      expect(mine.some((p) => outcomeOf(p) === 'forbidden')).toBe(true);
      expect(mine.some((p) => outcomeOf(p) === 'allowed')).toBe(true);
    }
  });

  it('answers no harmless probe with a server error', () => {
    const errors = probes
      .filter((p) => p.status >= 500)
      .map(
        (p) =>
          `${p.route.method.toUpperCase()} ${p.route.path} as ${p.identity}: ${p.status} ${p.error ?? ''}`,
      );
    expect(errors).toEqual([]);
  });
});
