import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * The CSP of every JSON answer (the API, its errors, the health probes): nothing may load, run or
 * frame it. An API answer opened in a browser — a 404 echoing a path, an error echoing a field —
 * is then inert. OWASP's REST security cheat sheet asks for this on APIs.
 */
export const API_CSP = "default-src 'none';frame-ancestors 'none'";

/**
 * The CSP of the Swagger UI (/docs and its assets), the one HTML the API itself serves: it needs
 * inline scripts and styles. The console (/console/) sets its own, stricter one.
 */
const DOCUMENTATION_CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'", "'unsafe-inline'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
};

/** /docs, /docs/ and its assets; not /docs-json (JSON, the API's CSP) nor /docsX. */
export function servesDocumentation(url: string): boolean {
  if (!url.startsWith('/docs')) return false;
  const next = url.charAt(5);
  return next === '' || next === '/' || next === '?';
}

/**
 * helmet's headers computed once at boot and set by one onRequest hook: @fastify/helmet rebuilds
 * the middleware (CSP parsing included) on every request, and even built once its eleven nested
 * middlewares cost more than the headers (docs/performance.md). Two sets: the API's (strict CSP,
 * framing denied) and the Swagger UI's; nothing in them depends on the request otherwise.
 */
export function registerSecurityHeaders(fastify: FastifyInstance): void {
  const api = staticHeadersOf(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      },
      frameguard: { action: 'deny' },
    }),
  );
  const documentation = staticHeadersOf(
    helmet({ contentSecurityPolicy: { directives: DOCUMENTATION_CSP_DIRECTIVES } }),
  );
  fastify.addHook('onRequest', (request, reply, done) => {
    const raw = reply.raw;
    for (const [name, value] of servesDocumentation(request.url) ? documentation : api) {
      raw.setHeader(name, value);
    }
    done();
  });
}

/**
 * The headers a request-independent middleware (helmet without nonces) sets, captured by running
 * it once on a stand-in response. Refuses a middleware that removes headers, answers, or fails:
 * those could not be replayed as a list.
 */
export function staticHeadersOf(
  middleware: (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void,
): [string, string][] {
  const headers: [string, string][] = [];
  let called = false;
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.push([name, String(value)]);
      return res;
    },
    // Fastify never sends X-Powered-By: nothing to remove.
    removeHeader() {},
  };
  middleware(
    { headers: {}, method: 'GET', url: '/' } as IncomingMessage,
    res as unknown as ServerResponse,
    (err) => {
      if (err) throw err instanceof Error ? err : new Error('the header middleware failed at boot');
      called = true;
    },
  );
  if (!called) throw new Error('the header middleware did not call next synchronously');
  return headers;
}
