import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import Fastify, { FastifyInstance } from 'fastify';
import pino from 'pino';
import { registerBodyParsers } from '../http/body-parsers';
import { currentRequestId, registerRequestContext, requestIdFor } from '../request-context';
import { accessLogLevel, isLivenessProbe, loggerOptions, registerAccessLog } from './http-logging';

describe('access line rules', () => {
  it('writes no access line for the liveness probe', () => {
    expect(isLivenessProbe('/health')).toBe(true);
    expect(isLivenessProbe('/health?probe=1')).toBe(true);
    expect(isLivenessProbe('/health/ready')).toBe(false);
    expect(isLivenessProbe('/me')).toBe(false);
  });

  it('logs answered access checks at debug and failures loudly', () => {
    expect(accessLogLevel('/access/check', 200)).toBe('debug');
    expect(accessLogLevel('/access/check?x=1', 200)).toBe('debug');
    expect(accessLogLevel('/me', 200)).toBe('info');
    expect(accessLogLevel('/access/check', 403)).toBe('warn');
    expect(accessLogLevel('/me', 500)).toBe('error');
    expect(accessLogLevel('/access/check', 503)).toBe('silent');
  });

  it('keeps the response headers out of the access line (the same security headers every time)', () => {
    const serializers = loggerOptions('info').serializers as Record<string, (value: unknown) => unknown>;
    expect(serializers.res({ statusCode: 200, headers: { 'content-security-policy': 'x' } })).toEqual({
      statusCode: 200,
    });
    expect(
      serializers.req({ id: 'r1', method: 'GET', url: '/', originalUrl: '/me', headers: { a: 1 } }),
    ).toEqual({ id: 'r1', method: 'GET', url: '/me' });
  });
});

/**
 * The request context and the access line as Fastify hooks (no middie middleware, no child logger
 * per request): the request id must still be on every line written while serving a request,
 * including a POST whose body arrives over several reads (body parsing continues in the socket's
 * async context, not the request's).
 */
describe('request context and access line (Fastify hooks)', () => {
  let app: FastifyInstance;
  let lines: Record<string, unknown>[];
  let port: number;
  let slowStarted: () => void = () => undefined;
  let slowReleased: Promise<void> = Promise.resolve();

  beforeEach(async () => {
    lines = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        }
        callback();
      },
    });
    const logger = pino(loggerOptions('debug'), sink);
    app = Fastify({ genReqId: requestIdFor });
    registerRequestContext(app);
    registerAccessLog(app, logger);
    registerBodyParsers(app, 1_000_000);
    app.get('/health', async () => ({ status: 'ok' }));
    app.get('/me', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      logger.info('after a timer');
      return {};
    });
    app.post('/things', async (request) => {
      await new Promise((resolve) => setImmediate(resolve));
      logger.info({ size: JSON.stringify(request.body).length }, 'posted');
      return { requestId: currentRequestId() };
    });
    app.post('/access/check', async () => ({}));
    app.get('/slow', async () => {
      // Held until the test has abandoned the request: no timing guess on a loaded host.
      slowStarted();
      await slowReleased;
      return {};
    });
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });

  afterEach(() => app.close());

  /** A request whose body is written in pieces, some time apart. */
  function send(path: string, requestId: string, pieces: string[] = []) {
    return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
      (resolve, reject) => {
        const req = httpRequest(
          {
            port,
            path,
            method: pieces.length ? 'POST' : 'GET',
            headers: {
              'x-request-id': requestId,
              ...(pieces.length
                ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(pieces.join('')) }
                : {}),
            },
          },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          },
        );
        req.on('error', reject);
        void (async () => {
          for (const piece of pieces) {
            req.write(piece);
            await new Promise((r) => setTimeout(r, 20));
          }
          req.end();
        })();
      },
    );
  }

  const linesOf = (id: string) => lines.filter((l) => (l.req as { id?: string } | undefined)?.id === id);

  it('carries the request id on a line logged by a POST handler whose body came in several reads', async () => {
    const res = await send('/things', 'post-1', ['{"a":', '"b",', '"c":[1,2,3]}']);
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('post-1');
    expect(JSON.parse(res.body)).toEqual({ requestId: 'post-1' });
    expect(linesOf('post-1').map((l) => l.msg)).toEqual(['posted', 'request completed']);
    expect(linesOf('post-1')[0]).toMatchObject({ req: { id: 'post-1', method: 'POST', url: '/things' } });
  });

  it('carries it after the handler awaited a timer, and writes one access line', async () => {
    await send('/me?x=1', 'get-1');
    expect(linesOf('get-1')).toEqual([
      expect.objectContaining({ msg: 'after a timer', level: 30 }),
      expect.objectContaining({
        msg: 'request completed',
        level: 30,
        req: { id: 'get-1', method: 'GET', url: '/me?x=1' },
        res: { statusCode: 200 },
        responseTime: expect.any(Number),
      }),
    ]);
  });

  it('writes no line for the liveness probe, debug for an answered access check, error for a 5xx', async () => {
    const health = await send('/health', 'probe-1');
    expect(health.headers['x-request-id']).toBe('probe-1');
    await send('/access/check', 'check-1', ['{}']);
    await send('/boom', 'boom-1');
    expect(linesOf('probe-1')).toEqual([]);
    expect(linesOf('check-1')).toEqual([expect.objectContaining({ level: 20, msg: 'request completed' })]);
    const boom = linesOf('boom-1').find((l) => l.msg === 'request errored');
    expect(boom).toMatchObject({ level: 50, res: { statusCode: 500 }, err: { message: expect.any(String) } });
  });

  it('writes a line for a request the client abandons before the answer', async () => {
    const started = new Promise<void>((resolve) => (slowStarted = resolve));
    let release = () => {};
    slowReleased = new Promise<void>((resolve) => (release = resolve));
    const req = httpRequest({ port, path: '/slow', headers: { 'x-request-id': 'gone-1' } });
    req.on('error', () => undefined);
    req.end();
    await started;
    req.destroy();
    // The abort reaches the server asynchronously: wait for its line (bounded), then let the handler end.
    for (let i = 0; i < 100 && linesOf('gone-1').length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    release();
    expect(linesOf('gone-1')[0]).toMatchObject({
      level: 40,
      msg: 'request aborted by the client',
      res: { statusCode: 499 },
    });
  });

  it('answers a new UUID when the caller sends no well-formed X-Request-Id', async () => {
    const res = await send('/me', 'not well formed');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
