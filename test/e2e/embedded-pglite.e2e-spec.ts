import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { startTestApp } from '../utils/test-app';

/** The embedded default: no DATABASE_URL, PGlite under DATA_DIR, same migrations and code. */
describe('Embedded PGlite mode', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'finalite-pglite-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('runs the migrations, serves the register, and keeps data across a restart', async () => {
    const first = await startTestApp({ database: 'pglite', dataDir });
    expect(first.config.embeddedDatabase).toBe(true);
    try {
      await first
        .as(Role.Dpo)
        .post('/purposes')
        .send(purposeInput({ code: 'kept.across.restart' }))
        .expect(201);
      await first.as(Role.Dpo).post('/purposes/kept.across.restart/activate').expect(200);
      // Concurrent writes on the single embedded session neither interleave nor get lost.
      const codes = Array.from({ length: 12 }, (_, i) => `concurrent.p${i}`);
      const results = await Promise.all(
        codes.map((code) => first.as(Role.Dpo).post('/purposes').send(purposeInput({ code }))),
      );
      expect(results.map((r) => r.status)).toEqual(codes.map(() => 201));
      // A failing write rolls back alone.
      await first
        .as(Role.Dpo)
        .post('/purposes')
        .send(purposeInput({ code: 'concurrent.p0' }))
        .expect(409);
      expect((await first.http().get('/health/ready').expect(200)).body.info.database.status).toBe('up');
    } finally {
      await first.close();
    }

    const second = await startTestApp({ database: 'pglite', dataDir });
    try {
      const res = await second.as(Role.Dpo).get('/purposes/kept.across.restart').expect(200);
      expect(res.body).toMatchObject({ status: 'active', version: 2 });
      const list = await second
        .as(Role.Dpo)
        .get('/purposes')
        .query({ q: 'concurrent', limit: 100 })
        .expect(200);
      expect(list.body.items).toHaveLength(12);
      const history = await second.as(Role.Dpo).get('/purposes/kept.across.restart/history').expect(200);
      expect(history.body.versions).toHaveLength(2);
    } finally {
      await second.close();
    }
  });
});
