import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, TestApp } from '../utils/test-app';

/** The console's typed client (web/src/api/schema.d.ts) is generated from this service: CI fails when they drift. */
describe('Console API client', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ provision: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('matches the running service’s /docs-json (run `npm run api:generate` after an API change)', async () => {
    const res = await t.http().get('/docs-json').expect(200);
    const dir = mkdtempSync(join(tmpdir(), 'finalite-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(res.body));
      const check = spawnSync(
        process.execPath,
        [join(__dirname, '..', '..', 'web', 'scripts', 'generate-api-schema.mjs'), file, '--check'],
        { encoding: 'utf8' },
      );
      expect(`${check.stdout}${check.stderr}`).toContain('matches the service');
      expect(check.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
