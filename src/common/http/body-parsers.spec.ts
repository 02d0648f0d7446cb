import type { FastifyRequest } from 'fastify';
import { HttpErrorFilter } from '../errors/http-error.filter';
import { MalformedJsonError, parseJsonBody, UnsupportedBodyEncodingError } from './body-parsers';
import { JsonTooDeepError } from './json-depth';

const req = (headers: Record<string, string> = {}) =>
  ({ headers: { 'content-type': 'application/json', ...headers } }) as unknown as FastifyRequest;
const parse = (body: string, headers?: Record<string, string>) =>
  parseJsonBody(req(headers), Buffer.from(body));

describe('parseJsonBody (the JSON content-type parser)', () => {
  it('parses objects and arrays; an empty body is {} as body-parser read it', () => {
    expect(parse(' {"a":[1,{"b":null}]}')).toEqual({ a: [1, { b: null }] });
    expect(parse('[1]', { 'content-type': 'application/json; charset=UTF-8' })).toEqual([1]);
    expect(parse('')).toEqual({});
  });

  it('refuses what is not a JSON object or array (strict), and broken JSON', () => {
    expect(() => parse('null')).toThrow(MalformedJsonError);
    expect(() => parse('"hello"')).toThrow(MalformedJsonError);
    expect(() => parse('{"a": 1,')).toThrow(MalformedJsonError);
  });

  it('checks the depth on the raw bytes before parsing', () => {
    expect(() => parse(`${'['.repeat(20_000)}${']'.repeat(20_000)}`)).toThrow(JsonTooDeepError);
  });

  it('refuses __proto__ and constructor.prototype keys', () => {
    // Kept as own properties (never the prototype): the validation pipe refuses them by name (ADR 0041).
    const parsed = parse('{"a":{"__proto__":{"admin":true}}}') as { a: object };
    expect(Object.getPrototypeOf(parsed.a)).toBe(Object.prototype);
    expect(Object.keys(parsed.a)).toEqual(['__proto__']);
    expect(({} as { admin?: boolean }).admin).toBeUndefined();
  });

  it('refuses other charsets and compressed bodies (never inflated)', () => {
    expect(() => parse('{}', { 'content-type': 'application/json; charset=utf-16' })).toThrow(
      UnsupportedBodyEncodingError,
    );
    expect(() => parse('{}', { 'content-encoding': 'gzip' })).toThrow(UnsupportedBodyEncodingError);
    expect(parse('{}', { 'content-encoding': 'identity' })).toEqual({});
  });

  it.each([
    ['malformed JSON', new MalformedJsonError('Unexpected end of JSON input'), 400, 'MALFORMED_JSON'],
    ['another charset', new UnsupportedBodyEncodingError('no'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['too deep', new JsonTooDeepError(64), 400, 'PAYLOAD_TOO_DEEP'],
  ])('its errors leave in the one error shape: %s', (_name, error, status, code) => {
    expect(new HttpErrorFilter().toBody(error)).toMatchObject({ statusCode: status, error: code });
  });
});
