import Fastify from 'fastify';
import { API_CSP, registerSecurityHeaders, servesDocumentation } from './security-headers';

describe('security headers', () => {
  it('tells the Swagger UI paths from the JSON ones', () => {
    for (const url of ['/docs', '/docs/', '/docs?x=1', '/docs/swagger-ui.css', '/docs/static/index.html']) {
      expect(servesDocumentation(url)).toBe(true);
    }
    for (const url of ['/docs-json', '/docsX', '/doc', '/', '/me', '/console/', '/purposes?docs']) {
      expect(servesDocumentation(url)).toBe(false);
    }
  });

  it('sends the strict CSP and DENY on the API, the Swagger UI its own policy, on every answer', async () => {
    const app = Fastify();
    registerSecurityHeaders(app);
    app.get('/health', async () => ({ status: 'ok' }));
    app.get('/docs', async (_request, reply) => reply.type('text/html').send('<html></html>'));
    try {
      for (const url of ['/health', '/nowhere', '/docs-json']) {
        const res = await app.inject({ method: 'GET', url });
        expect(res.headers['content-security-policy']).toBe(API_CSP);
        expect(res.headers['x-frame-options']).toBe('DENY');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      }
      const docs = await app.inject({ method: 'GET', url: '/docs' });
      expect(docs.headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
      expect(docs.headers['content-security-policy']).toContain("frame-ancestors 'self'");
      expect(docs.headers['x-frame-options']).toBe('SAMEORIGIN');
    } finally {
      await app.close();
    }
  });
});
