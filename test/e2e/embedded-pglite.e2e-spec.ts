import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '../../src/policies/role.enum';
import { datasetInput, systemInput } from '../factories/inventory.factory';
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

  it('answers access checks with the register as just changed (no LISTEN in embedded mode)', async () => {
    const t = await startTestApp({ database: 'pglite' });
    try {
      const dpo = () => t.as(Role.Dpo);
      await dpo()
        .post('/purposes')
        .send(purposeInput({ code: 'billing', legalBasis: 'contract' }))
        .expect(201);
      await dpo().post('/purposes/billing/activate').expect(200);
      await t.authoriseApplication(['billing']);
      await dpo().post('/systems').send(systemInput()).expect(201);
      await dpo().post('/systems/crm/datasets').send(datasetInput()).expect(201);
      await dpo()
        .post('/fields')
        .send({ system: 'crm', dataset: 'public.customers', column: 'email', dataCategory: 'contact' })
        .expect(201);
      const check = { purpose: 'billing', action: 'read', fields: ['crm.customers.email'] };
      const before = await t.as(Role.Application).post('/access/check').send(check).expect(200);
      expect(before.body.fields[0].reason).toBe('FIELD_NOT_BOUND_TO_PURPOSE');
      // The very next check after the binding commits must see it (well within the 1 s poll).
      await dpo()
        .put('/fields/crm.customers.email/purposes')
        .send({ bindings: [{ purpose: 'billing', actions: ['read'] }] })
        .expect(200);
      const after = await t.as(Role.Application).post('/access/check').send(check).expect(200);
      expect(after.body).toMatchObject({
        decision: 'allow',
        fields: [{ field: 'crm.customers.email', allowed: true }],
      });
      expect(after.body.policyRevision).toBeGreaterThan(before.body.policyRevision);
    } finally {
      await t.close();
    }
  });
});
