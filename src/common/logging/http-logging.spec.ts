import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpLoggingOptions } from './http-logging';

// middie strips the middleware's mount path from `url` while the middleware runs: the path the
// client sent is in `originalUrl`.
const request = (originalUrl: string, url = '/') =>
  ({ url, originalUrl, method: 'GET' }) as unknown as IncomingMessage;
const response = (statusCode: number) => ({ statusCode }) as ServerResponse;

describe('httpLoggingOptions', () => {
  const options = httpLoggingOptions('info');
  const ignore = (options.autoLogging as { ignore: (req: IncomingMessage) => boolean }).ignore;
  const levelOf = (req: IncomingMessage, res: ServerResponse, err?: Error) =>
    options.customLogLevel!(req, res, err);

  it('writes no access line for the liveness probe, whatever middie left in url', () => {
    expect(ignore(request('/health'))).toBe(true);
    expect(ignore(request('/health?probe=1'))).toBe(true);
    expect(ignore(request('/health/ready'))).toBe(false);
    expect(ignore(request('/me'))).toBe(false);
  });

  it('logs answered access checks at debug and failures loudly', () => {
    expect(levelOf(request('/access/check'), response(200))).toBe('debug');
    expect(levelOf(request('/me'), response(200))).toBe('info');
    expect(levelOf(request('/access/check'), response(403))).toBe('warn');
    expect(levelOf(request('/me'), response(500))).toBe('error');
    expect(levelOf(request('/access/check'), response(503))).toBe('silent');
  });

  it('keeps the response headers out of the access line (the same security headers every time)', () => {
    const serializers = options.serializers as Record<string, (value: unknown) => unknown>;
    expect(serializers.res({ statusCode: 200, headers: { 'content-security-policy': 'x' } })).toEqual({
      statusCode: 200,
    });
    expect(
      serializers.req({ id: 'r1', method: 'GET', url: '/', originalUrl: '/me', headers: { a: 1 } }),
    ).toEqual({
      id: 'r1',
      method: 'GET',
      url: '/me',
    });
  });
});
