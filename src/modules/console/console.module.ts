import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import type { ServerResponse } from 'node:http';

/** web/dist from dist/src/modules/console (built) or src/modules/console (ts-node, tests). */
export function consoleBuildDir(): string {
  const candidates = [
    join(__dirname, '..', '..', '..', '..', 'web', 'dist'),
    join(__dirname, '..', '..', '..', 'web', 'dist'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0];
}

/**
 * Stricter than the API-wide policy set in app.setup.ts (which lets the Swagger UI at /docs run
 * inline scripts): the console runs only its own bundled scripts. Inline styles stay allowed:
 * Mantine sets CSS variables through style attributes and one style element.
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
 * The console (web/, ADR 0043) at /console/, with a history fallback to index.html for its client
 * routes. Adapter-agnostic: @nestjs/serve-static serves with either Express or Fastify, and the
 * CSP middleware writes the raw Node response, which both hand to middleware.
 */
@Module({
  imports: [
    ServeStaticModule.forRoot({
      rootPath: consoleBuildDir(),
      serveRoot: '/console',
      serveStaticOptions: { index: ['index.html'], fallthrough: true },
    }),
  ],
})
export class ConsoleModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply((_req: unknown, res: ServerResponse, next: () => void) => {
        res.setHeader('Content-Security-Policy', CONSOLE_CSP);
        next();
      })
      .forRoutes('console', 'console/*path');
  }
}
