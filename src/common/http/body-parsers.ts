import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertJsonDepth } from './json-depth';

/** Media types read as one string (YAML register imports; text/plain reaches validation as a string). */
export const TEXT_BODY_TYPES = ['text/plain', 'application/yaml', 'application/x-yaml', 'text/yaml'];

/**
 * Media types left unread for the handler to stream (the consent import: constant memory, its own
 * byte limit and 413), like Express without a body parser for them.
 */
export const STREAMED_BODY_TYPES = ['application/x-ndjson', 'application/octet-stream'];

/**
 * The errors below carry `status` and `type` like body-parser's, so the one error filter maps them
 * (MALFORMED_JSON, UNSUPPORTED_MEDIA_TYPE) whatever raised them.
 */
export class MalformedJsonError extends Error {
  readonly status = 400;
  readonly expose = true;
  readonly type = 'entity.parse.failed';
}

export class UnsupportedBodyEncodingError extends Error {
  readonly status = 415;
  readonly expose = true;
  readonly type = 'encoding.unsupported';
}

/**
 * Replaces Fastify's default parsers with ours: JSON (depth checked on the raw bytes before
 * parsing, objects or arrays only), text and YAML as strings, NDJSON unread. Any other media type
 * with a body is refused (415) by Fastify. Prototype keys (`__proto__`, `constructor`, `prototype`)
 * are kept as own properties by JSON.parse and refused by the validation pipe, naming the property
 * (ADR 0041): one rule for JSON, YAML and NDJSON bodies.
 */
export function registerBodyParsers(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (req, body, done) => {
    try {
      done(null, parseJsonBody(req, body as Buffer));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  fastify.addContentTypeParser(TEXT_BODY_TYPES, { parseAs: 'string', bodyLimit }, (req, body, done) => {
    try {
      assertIdentityEncoding(req);
      done(null, body);
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  fastify.addContentTypeParser(STREAMED_BODY_TYPES, (_req, _payload, done) => done(null, undefined));
}

/** JSON.parse with body-parser's strict mode (an object or an array at the top) and its utf-8 only. */
export function parseJsonBody(req: FastifyRequest, body: Buffer): unknown {
  assertIdentityEncoding(req);
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
  if (charset && !/^utf-?8$/i.test(charset)) {
    throw new UnsupportedBodyEncodingError(`Unsupported charset "${charset.toUpperCase()}"`);
  }
  assertJsonDepth(body);
  const first = firstSignificantByte(body);
  if (first === undefined) return {}; // an empty body, as body-parser reads it
  if (first !== 0x7b /* { */ && first !== 0x5b /* [ */) {
    throw new MalformedJsonError('The body must be a JSON object or array');
  }
  const bom = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  try {
    return JSON.parse(body.toString('utf8', bom)) as unknown;
  } catch (e) {
    throw new MalformedJsonError(e instanceof Error ? e.message : String(e));
  }
}

/** Bodies are never inflated here (no decompression bomb); a compressed body is refused. */
function assertIdentityEncoding(req: FastifyRequest): void {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new UnsupportedBodyEncodingError(`Unsupported content encoding "${encoding}"`);
  }
}

function firstSignificantByte(body: Buffer): number | undefined {
  for (const c of body) {
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0xef && c !== 0xbb && c !== 0xbf)
      return c;
  }
  return undefined;
}
