import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { API_CSP } from '../../src/common/http/security-headers';
import { CONSOLE_CSP, consoleBuildDir } from '../../src/modules/console/console-static';
import { startTestApp, TestApp } from '../utils/test-app';

/** The built console at /console/ (npm run build runs before npm test in CI and in the README). */
describe('Console static files', () => {
  let t: TestApp;
  beforeAll(async () => {
    if (!existsSync(join(consoleBuildDir(), 'index.html'))) {
      throw new Error('web/dist is missing: run `npm run build` before the tests');
    }
    t = await startTestApp({ provision: false });
  });
  afterAll(() => t?.close());

  it('serves index.html at /console/ and for client routes, with the strict CSP', async () => {
    for (const path of ['/console/', '/console/register', '/console/purposes/marketing.newsletter']) {
      const res = await t.http().get(path).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('<div id="root">');
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
      const scriptSrc = String(res.headers['content-security-policy'])
        .split(';')
        .map((d) => d.trim())
        .find((d) => d.startsWith('script-src'));
      expect(scriptSrc).toBe("script-src 'self'"); // no inline script
    }
    await t.http().get('/console').expect(301).expect('Location', '/console/');
  });

  it('serves the bundle, and a missing asset is a 404 (never index.html)', async () => {
    const index = await t.http().get('/console/').expect(200);
    const script = /src="\/console\/(assets\/[^"]+\.js)"/.exec(index.text)?.[1];
    expect(script).toBeDefined();
    const js = await t.http().get(`/console/${script}`).expect(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    await t.http().get('/console/assets/no-such-file.js').expect(404);
  });

  it("keeps the API's own CSP elsewhere", async () => {
    const res = await t.http().get('/health').expect(200);
    expect(res.headers['content-security-policy']).toBe(API_CSP);
  });
});
