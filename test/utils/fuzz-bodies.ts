import fc from 'fast-check';
import { stringify } from 'yaml';
import { crmRegisterDocument, datasetInput, systemInput } from '../factories/inventory.factory';
import { purposeInput } from '../factories/purpose.factory';
import { DiscoveredRoute, dtoProperties, routeName, takesBody } from './route-discovery';

/**
 * Request bodies for the input fuzzer (test/e2e/input-fuzz.e2e-spec.ts): structured mutations of
 * a valid body (wrong types, huge strings, deep nesting, unicode, prototype keys, numbers at
 * limits, extra fields), raw garbage, and YAML documents for the register import.
 */

export interface FuzzBody {
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

/** What the fuzzer sends to a route: mutations of a valid body, or nothing when it reads none. */
export function bodiesFor(route: DiscoveredRoute): fc.Arbitrary<FuzzBody> {
  if (!takesBody(route)) {
    return fc.constant<FuzzBody>({ contentType: 'application/json', text: '', label: 'no body' });
  }
  return routeName(route) === 'POST /register/import'
    ? fc.oneof(jsonBodies(route), yamlBodies())
    : jsonBodies(route);
}
