import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** web/dist from dist/src/modules/console (built) or src/modules/console (ts-node, tests). */
export function consoleBuildDir(): string {
  const candidates = [
    join(__dirname, '..', '..', '..', '..', 'web', 'dist'),
    join(__dirname, '..', '..', '..', 'web', 'dist'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0];
}

/**
 * Unlike the Swagger UI at /docs (src/common/http/security-headers.ts lets it run inline
 * scripts): the console runs only its own bundled scripts. Inline styles stay allowed: Mantine
 * sets CSS variables through style attributes and one style element.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The console (web/, ADR 0043) at /console/: its built files, and index.html for every other path
 * under /console/ (the client's routes: a reload of /console/register works). A missing asset is a
 * 404, not index.html, so a stale bundle fails loudly. Registered in its own Fastify scope, so the
 * stricter CSP applies to the console only. Nothing is served when the console was not built.
 */
export function registerConsole(app: NestFastifyApplication, root = consoleBuildDir()): boolean {
  if (!existsSync(join(root, 'index.html'))) return false;
  void app
    .getHttpAdapter()
    .getInstance()
    .register(async (scope) => {
      scope.addHook('onSend', async (_request, reply, payload) => {
        void reply.header('Content-Security-Policy', CONSOLE_CSP);
        return payload;
      });
      // Files are listed once at start (wildcard: false): the build does not change while serving.
      await scope.register(fastifyStatic, { root, prefix: '/console/', wildcard: false, index: false });
      scope.get('/console', (_request, reply) => reply.redirect('/console/', 301));
      scope.get('/console/*', (request, reply) => {
        if (request.url.startsWith('/console/assets/')) return reply.callNotFound();
        return reply.header('Cache-Control', 'no-cache').sendFile('index.html');
      });
    });
  return true;
}
