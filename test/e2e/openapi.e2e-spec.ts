import { discoverAppRoutes } from '../utils/route-discovery';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * The project's rule "every route and DTO documented with examples", checked on the OpenAPI
 * description the app actually serves (/docs-json), so that a new DTO or route cannot slip in
 * undocumented. Each test lists every offender at once.
 *
 * - A component schema property needs an `example`, unless it only points at another schema
 *   (`$ref`, `allOf`/`oneOf`/`anyOf` of `$ref`s, or an array of those): that schema carries its own.
 *   An enum is no exception: its values say what is allowed, the example shows a realistic one,
 *   and is one of them (an array of enum values: each of its elements; null where nullable).
 * - A path, query or header parameter needs an example (`example` or `schema.example`), enums too.
 * - Every operation needs a `summary`.
 * - Every non-public operation (no @Public() on the route or its controller) documents 401 and 403
 *   (src/common/decorators/api-error-responses.decorator.ts); a public one documents no API-key 401.
 */

interface SchemaObject {
  $ref?: string;
  allOf?: SchemaObject[];
  oneOf?: SchemaObject[];
  anyOf?: SchemaObject[];
  items?: SchemaObject;
  enum?: unknown[];
  nullable?: boolean;
  example?: unknown;
  properties?: Record<string, SchemaObject>;
}

interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  example?: unknown;
  schema?: SchemaObject;
}

interface OperationObject {
  summary?: string;
  parameters?: ParameterObject[];
  responses?: Record<string, unknown>;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, SchemaObject> };
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

/** Only points at other schemas, which carry their own examples. */
function isReference(schema: SchemaObject): boolean {
  if (schema.$ref) return true;
  const composed = schema.allOf ?? schema.oneOf ?? schema.anyOf;
  if (composed?.length) return composed.every(isReference);
  return schema.items !== undefined && isReference(schema.items);
}

function operationsOf(doc: OpenApiDocument): { method: string; path: string; op: OperationObject }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]) => ({ method, path, op })),
  );
}

describe('OpenAPI description', () => {
  let t: TestApp;
  let doc: OpenApiDocument;
  /** `get /principals/{id}` of the routes marked @Public() (on the route or its controller). */
  let publicOperations: Set<string>;

  beforeAll(async () => {
    t = await startTestApp({ provision: false });
    doc = (await t.http().get('/docs-json').expect(200)).body as OpenApiDocument;
    publicOperations = new Set(
      discoverAppRoutes(t.app)
        .filter((r) => r.isPublic)
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
  });

  afterAll(async () => {
    await t?.close();
  });

  it('describes some operations and schemas (the checks below are not vacuous)', () => {
    expect(operationsOf(doc).length).toBeGreaterThan(50);
    expect(Object.keys(doc.components.schemas).length).toBeGreaterThan(50);
    // The reflection of @Public() matches the document's paths.
    expect(publicOperations.size).toBeGreaterThan(0);
    const documented = new Set(operationsOf(doc).map(({ method, path }) => `${method} ${path}`));
    expect([...publicOperations].filter((op) => !documented.has(op))).toEqual([]);
  });

  it('gives every schema property an example', () => {
    const offenders = Object.entries(doc.components.schemas).flatMap(([name, schema]) =>
      Object.entries(schema.properties ?? {})
        .filter(([, property]) => !isReference(property) && property.example === undefined)
        .map(([property]) => `${name}.${property}`),
    );
    expect(offenders).toEqual([]);
  });

  it("gives every enum property an example among the enum's values", () => {
    const enumProperties = Object.entries(doc.components.schemas).flatMap(([name, schema]) =>
      Object.entries(schema.properties ?? {}).flatMap(([property, p]) => {
        const values = p.enum ?? p.items?.enum;
        if (!values || p.example === undefined) return [];
        const examples = p.enum ? [p.example] : Array.isArray(p.example) ? p.example : [p.example];
        return [{ at: `${name}.${property}`, values: p.nullable ? [...values, null] : values, examples }];
      }),
    );
    // Not vacuous: the access decisions' and the reports' reason codes are among them.
    expect(enumProperties.map((e) => e.at)).toEqual(
      expect.arrayContaining(['FieldDecisionDto.reason', 'DenialReasonCountDto.reason']),
    );
    const offenders = enumProperties
      .filter(({ values, examples }) => examples.some((e) => !values.includes(e)))
      .map(({ at, examples }) => `${at}: ${JSON.stringify(examples)}`);
    expect(offenders).toEqual([]);
  });

  it('gives every path, query and header parameter an example', () => {
    const offenders = operationsOf(doc).flatMap(({ method, path, op }) =>
      (op.parameters ?? [])
        .filter((p) => ['path', 'query', 'header'].includes(p.in))
        .filter((p) => p.example === undefined && p.schema?.example === undefined)
        .map((p) => `${method} ${path} ${p.in} ${p.name}`),
    );
    expect(offenders).toEqual([]);
  });

  it('gives every operation a summary', () => {
    const offenders = operationsOf(doc)
      .filter(({ op }) => !op.summary?.trim())
      .map(({ method, path }) => `${method} ${path}`);
    expect(offenders).toEqual([]);
  });

  it('documents 401 and 403 on every operation that needs authentication', () => {
    const offenders = operationsOf(doc)
      .filter(({ method, path }) => !publicOperations.has(`${method} ${path}`))
      .flatMap(({ method, path, op }) =>
        ['401', '403']
          .filter((status) => op.responses?.[status] === undefined)
          .map((status) => `${method} ${path} ${status}`),
      );
    expect(offenders).toEqual([]);
  });

  it('documents no API-key 401 on a public operation', () => {
    // A public route may answer 401 for credentials of its own (the console sign-in's key in the
    // body), documented by the route itself; never the shared "no Authorization header" one.
    const headerKey401 = 'No API key, a malformed Authorization header, or a revoked or expired key';
    const offenders = operationsOf(doc)
      .filter(({ method, path }) => publicOperations.has(`${method} ${path}`))
      .filter(
        ({ op }) =>
          (op.responses?.['401'] as { description?: string } | undefined)?.description === headerKey401,
      )
      .map(({ method, path }) => `${method} ${path}`);
    expect(offenders).toEqual([]);
  });

  it('serves the OpenAPI description with every purpose route', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/purposes',
        '/purposes/{code}',
        '/purposes/{code}/activate',
        '/purposes/{code}/retire',
        '/purposes/{code}/history',
      ]),
    );
    expect(doc.body.components.schemas.CreatePurposeDto.properties.code.example).toBe('marketing.newsletter');
  });
});
