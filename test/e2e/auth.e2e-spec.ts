import { createHash } from 'node:crypto';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { connectTo } from '../utils/test-database';
import { startTestApp, TEST_SECRETS, TestApp } from '../utils/test-app';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Authentication and principals (PostgreSQL, two instances)', () => {
  let t: TestApp;
  /** A second instance on the same database, with a 2 s rotation grace. */
  let t2: TestApp;
  const admin = () => t.as(Role.Admin);

  async function query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const db = await connectTo(t.databaseUrl!);
    try {
      return (await db.query(sql, params)).rows as T[];
    } finally {
      await db.end();
    }
  }

  beforeAll(async () => {
    t = await startTestApp();
    t2 = await startTestApp({ databaseUrl: t.databaseUrl!, env: { KEY_ROTATION_GRACE_SECONDS: '2' } });
  });
  afterAll(async () => {
    await t2?.close();
    await t?.close();
  });

  it('the admin creates a DPO, an auditor and an application; each is who its key says', async () => {
    for (const [name, role] of [
      ['Claire (DPO)', Role.Dpo],
      ['Audit firm', Role.Auditor],
      ['CRM', Role.Application],
    ] as const) {
      const created = await admin()
        .post('/principals')
        .send({ name, roles: [role] })
        .expect(201);
      expect(created.body).toMatchObject({ name, roles: [role], disabled: false, purposeCodes: [] });
      expect(created.body.key).toMatch(/^fin_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
      expect(created.body.keys).toEqual([
        expect.objectContaining({
          id: created.body.keyId,
          status: 'active',
          prefix: created.body.key.slice(0, 12),
        }),
      ]);
      const me = await t.withKey(created.body.key).get('/me').expect(200);
      expect(me.body).toEqual({
        id: created.body.id,
        name,
        roles: [role],
        purposeCodes: [],
        keyId: created.body.keyId,
        keyPrefix: created.body.key.slice(0, 12),
      });
    }
    const me = await admin().get('/me').expect(200);
    expect(me.body).toMatchObject({ roles: ['admin'], keyPrefix: 'fin_testboot' });
  });

  it('keeps only a SHA-256 of each key: the database holds no usable key', async () => {
    const created = await admin()
      .post('/principals')
      .send({ name: 'hash check', roles: [Role.Auditor] })
      .expect(201);
    const key: string = created.body.key;
    const rows = await query<Record<string, unknown>>(`SELECT * FROM api_key WHERE id = $1`, [
      created.body.keyId,
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0].key_hash).toBe(sha256(key));
    // fin_<prefix>_<secret>: the secret is base64url, which may itself contain '_'.
    const secretOf = (k: string) => k.split('_').slice(2).join('_');
    const secret = secretOf(key);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    for (const table of ['api_key', 'principal', 'audit_event']) {
      const dump = JSON.stringify(await query(`SELECT * FROM ${table}`));
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(secretOf(TEST_SECRETS.BOOTSTRAP_ADMIN_KEY));
    }
    // The key is never shown again.
    const read = await admin().get(`/principals/${created.body.id}`).expect(200);
    expect(JSON.stringify(read.body)).not.toContain(secret);
    expect(read.body.keys[0]).not.toHaveProperty('key');
  });

  it('answers 401 with WWW-Authenticate to a missing, malformed or unknown key, and records each failure', async () => {
    const missing = await t.http().get('/purposes').expect(401);
    expect(missing.body).toEqual({ statusCode: 401, error: 'UNAUTHENTICATED', message: expect.any(String) });
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    await t.http().get('/purposes').set('Authorization', 'Basic dXNlcjpwYXNz').expect(401);
    const forged = 'fin_zzzzzzzz_' + 'A'.repeat(43);
    const unknown = await t.withKey(forged).get('/purposes').expect(401);
    expect(unknown.headers['www-authenticate']).toContain('invalid_token');

    const events = await query<{ payload: { reason: string; keyPrefix?: string; route: string } }>(
      `SELECT payload FROM audit_event WHERE type = 'auth.failed' ORDER BY seq DESC LIMIT 3`,
    );
    expect(events.map((e) => e.payload.reason)).toEqual(['unknown_key', 'malformed_header', 'missing_key']);
    expect(events[0].payload).toMatchObject({ keyPrefix: 'fin_zzzzzzzz', route: '/purposes' });
    expect(JSON.stringify(events)).not.toContain('A'.repeat(43));
  });

  it('answers 403 to a valid key without the right, before validating the body or looking anything up', async () => {
    const res = await t.as(Role.Auditor).post('/purposes').send({ not: 'even valid' }).expect(403);
    expect(res.body.error).toBe('FORBIDDEN');
    // Same answer whether the principal exists or not: no existence oracle.
    const existing = await t.as(Role.Application).get(`/principals/${t.principalIds[Role.Dpo]}`).expect(403);
    const missing = await t
      .as(Role.Application)
      .get('/principals/00000000-0000-4000-8000-000000000000')
      .expect(403);
    expect(existing.body).toEqual(missing.body);
  });

  it('revokes a key at once, on every instance', async () => {
    const dpoId = t.principalIds[Role.Dpo]!;
    const created = await admin().post(`/principals/${dpoId}/keys`).send({ label: 'to revoke' }).expect(201);
    await t2.withKey(created.body.key).get('/purposes').expect(200);
    await t.withKey(created.body.key).get('/purposes').expect(200);
    await admin().delete(`/principals/${dpoId}/keys/${created.body.id}`).expect(204);
    await t2.withKey(created.body.key).get('/purposes').expect(401);
    await t.withKey(created.body.key).get('/purposes').expect(401);
    // Idempotent, and the other keys of the principal still work.
    await admin().delete(`/principals/${dpoId}/keys/${created.body.id}`).expect(204);
    await t.as(Role.Dpo).get('/purposes').expect(200);
    const listed = await admin().get(`/principals/${dpoId}`).expect(200);
    expect(listed.body.keys.find((k: { id: string }) => k.id === created.body.id)).toMatchObject({
      status: 'revoked',
      revokedAt: expect.any(String),
    });
    const events = await query<{ type: string }>(
      `SELECT type FROM audit_event WHERE type = 'key.revoked' AND payload->>'keyId' = $1`,
      [created.body.id],
    );
    expect(events).toHaveLength(1);
  });

  it('rotation: the old key works during the grace period, then stops', async () => {
    const auditorId = t.principalIds[Role.Auditor]!;
    const old = await t2.as(Role.Admin).post(`/principals/${auditorId}/keys`).send({}).expect(201);
    const rotated = await t2
      .as(Role.Admin)
      .post(`/principals/${auditorId}/keys`)
      .send({ replaceKeyId: old.body.id, label: 'rotated' })
      .expect(201);
    await t.withKey(old.body.key).get('/purposes').expect(200);
    await t.withKey(rotated.body.key).get('/purposes').expect(200);
    const listed = await admin().get(`/principals/${auditorId}`).expect(200);
    const oldListed = listed.body.keys.find((k: { id: string }) => k.id === old.body.id);
    expect(oldListed.replacedByKeyId).toBe(rotated.body.id);
    expect(new Date(oldListed.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(2_000);
    await sleep(2_100);
    await t.withKey(old.body.key).get('/purposes').expect(401);
    await t.withKey(rotated.body.key).get('/purposes').expect(200);
    // A revoked key cannot be rotated; an unknown one is a 404.
    await admin().delete(`/principals/${auditorId}/keys/${rotated.body.id}`).expect(204);
    expect(
      (
        await admin()
          .post(`/principals/${auditorId}/keys`)
          .send({ replaceKeyId: rotated.body.id })
          .expect(409)
      ).body.error,
    ).toBe('API_KEY_REVOKED');
    await admin()
      .post(`/principals/${auditorId}/keys`)
      .send({ replaceKeyId: '00000000-0000-4000-8000-000000000000' })
      .expect(404);
  });

  it('default rotation grace is a day; an expiry in the past is refused', async () => {
    const dpoId = t.principalIds[Role.Dpo]!;
    const old = await admin().post(`/principals/${dpoId}/keys`).send({}).expect(201);
    await admin().post(`/principals/${dpoId}/keys`).send({ replaceKeyId: old.body.id }).expect(201);
    const listed = await admin().get(`/principals/${dpoId}`).expect(200);
    const expiresAt = new Date(listed.body.keys.find((k: { id: string }) => k.id === old.body.id).expiresAt);
    expect(Math.abs(expiresAt.getTime() - (Date.now() + 86_400_000))).toBeLessThan(60_000);
    const past = await admin()
      .post(`/principals/${dpoId}/keys`)
      .send({ expiresAt: '2020-01-01T00:00:00Z' })
      .expect(422);
    expect(past.body.error).toBe('KEY_EXPIRY_IN_PAST');
  });

  it('a disabled principal is refused at once on every instance; re-enabled, it works again', async () => {
    const created = await admin()
      .post('/principals')
      .send({ name: 'to disable', roles: [Role.Dpo] })
      .expect(201);
    await t2.withKey(created.body.key).get('/me').expect(200);
    await admin().patch(`/principals/${created.body.id}`).send({ disabled: true }).expect(200);
    await t2.withKey(created.body.key).get('/me').expect(401);
    await admin()
      .patch(`/principals/${created.body.id}`)
      .send({ disabled: false, roles: ['auditor'] })
      .expect(200);
    expect((await t2.withKey(created.body.key).get('/me').expect(200)).body.roles).toEqual(['auditor']);
    const events = await query<{ payload: { changedFields: string[] } }>(
      `SELECT payload FROM audit_event WHERE type = 'principal.updated' AND target_id = $1 ORDER BY seq`,
      [created.body.id],
    );
    expect(events.map((e) => e.payload.changedFields)).toEqual([['disabled'], ['roles', 'disabled']]);
  });

  it('never leaves the service without an enabled admin', async () => {
    const adminId = t.principalIds[Role.Admin]!;
    expect(
      (await admin().patch(`/principals/${adminId}`).send({ disabled: true }).expect(409)).body.error,
    ).toBe('LAST_ADMIN_REQUIRED');
    await admin()
      .patch(`/principals/${adminId}`)
      .send({ roles: ['dpo'] })
      .expect(409);
    await admin().get('/me').expect(200);
  });

  it('authorises an application for existing purposes only, and its ability follows', async () => {
    const dpo = t.as(Role.Dpo);
    await dpo
      .post('/purposes')
      .send(purposeInput({ code: 'crm.contact' }))
      .expect(201);
    await t
      .as(Role.Dpo)
      .post('/purposes')
      .send(purposeInput({ code: 'hr.payroll' }))
      .expect(201);
    const appId = t.principalIds[Role.Application]!;
    const revisionBefore = Number(
      (await query<{ revision: string }>(`SELECT revision FROM register_revision`))[0].revision,
    );

    const unknown = await admin()
      .put(`/principals/${appId}/purposes`)
      .send({ purposeCodes: ['crm.contact', 'no.such'] })
      .expect(422);
    expect(unknown.body).toMatchObject({
      error: 'UNKNOWN_PURPOSES',
      details: { unknownPurposeCodes: ['no.such'] },
    });
    const notApp = await admin()
      .put(`/principals/${t.principalIds[Role.Dpo]}/purposes`)
      .send({ purposeCodes: ['crm.contact'] })
      .expect(422);
    expect(notApp.body.error).toBe('PURPOSES_NEED_APPLICATION_ROLE');
    await admin()
      .put(`/principals/${appId}/purposes`)
      .send({ purposeCodes: ['BAD CODE'] })
      .expect(400);
    await t.as(Role.Dpo).put(`/principals/${appId}/purposes`).send({ purposeCodes: [] }).expect(403);

    await t.authoriseApplication(['crm.contact']);
    expect((await t.as(Role.Application).get('/me').expect(200)).body.purposeCodes).toEqual(['crm.contact']);
    // Record-level rule through the ability: its purpose is visible, another one looks missing.
    await t.as(Role.Application).get('/purposes/crm.contact').expect(200);
    await t.as(Role.Application).get('/purposes/hr.payroll').expect(404);
    const list = await t.as(Role.Application).get('/purposes').expect(200);
    expect(list.body.items.map((p: { code: string }) => p.code)).toEqual(['crm.contact']);
    // The other instance sees it at once too.
    await t2.as(Role.Application).get('/purposes/crm.contact').expect(200);

    const events = await query<{ payload: { added: string[]; removed: string[] } }>(
      `SELECT payload FROM audit_event WHERE type = 'principal.purposes_set' AND target_id = $1`,
      [appId],
    );
    expect(events.map((e) => e.payload.added)).toEqual([['crm.contact']]);
    const revisionAfter = Number(
      (await query<{ revision: string }>(`SELECT revision FROM register_revision`))[0].revision,
    );
    expect(revisionAfter).toBe(revisionBefore + 1);
    await t.authoriseApplication([]);
    await t.as(Role.Application).get('/purposes/crm.contact').expect(404);
  });

  it('ends the purpose authorisations of a principal that loses the application role', async () => {
    await t
      .as(Role.Dpo)
      .post('/purposes')
      .send(purposeInput({ code: 'shop.orders' }))
      .expect(201);
    const created = await admin()
      .post('/principals')
      .send({ name: 'role-change app', roles: ['application'], purposeCodes: ['shop.orders'] })
      .expect(201);
    const id = created.body.id as string;
    await admin()
      .patch(`/principals/${id}`)
      .send({ roles: ['auditor'] })
      .expect(200);
    await admin()
      .patch(`/principals/${id}`)
      .send({ roles: ['auditor', 'application'] })
      .expect(200);
    // Giving the role back does not silently restore what it was authorised for.
    expect((await t.withKey(created.body.key).get('/me').expect(200)).body.purposeCodes).toEqual([]);
    const events = await query<{ payload: { purposesRevoked?: string[] } }>(
      `SELECT payload FROM audit_event WHERE type = 'principal.updated' AND target_id = $1 ORDER BY seq`,
      [id],
    );
    expect(events.map((e) => e.payload.purposesRevoked ?? null)).toEqual([['shop.orders'], null]);
  });

  it('lists principals with their keys (prefix, created, last used, expiry), paginated', async () => {
    await t.as(Role.Auditor).get('/me').expect(200);
    const page1 = await t.as(Role.Auditor).get('/principals').query({ limit: 2 }).expect(200);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const all = await t.as(Role.Dpo).get('/principals').query({ limit: 500 }).expect(200);
    const page2 = await t
      .as(Role.Dpo)
      .get('/principals')
      .query({ limit: 2, cursor: page1.body.nextCursor })
      .expect(200);
    expect(page2.body.items.map((p: { id: string }) => p.id)).toEqual(
      all.body.items.slice(2, 4).map((p: { id: string }) => p.id),
    );
    const auditor = all.body.items.find((p: { id: string }) => p.id === t.principalIds[Role.Auditor]);
    expect(auditor.keys.some((k: { lastUsedAt: string | null }) => k.lastUsedAt !== null)).toBe(true);
    expect(auditor.keys[0]).toEqual(
      expect.objectContaining({
        prefix: expect.stringMatching(/^fin_/),
        createdAt: expect.any(String),
        expiresAt: null,
        status: expect.any(String),
      }),
    );
    const apps = await admin().get('/principals').query({ role: 'application', limit: 500 }).expect(200);
    expect(apps.body.items.every((p: { roles: string[] }) => p.roles.includes('application'))).toBe(true);
    await admin().get('/principals').query({ cursor: 'garbage' }).expect(400);
  });

  it('validates inputs: unknown role, empty roles, unknown property, bad id → 400; unknown id → 404', async () => {
    await admin()
      .post('/principals')
      .send({ name: 'x', roles: ['root'] })
      .expect(400);
    await admin().post('/principals').send({ name: 'x', roles: [] }).expect(400);
    await admin()
      .post('/principals')
      .send({ name: 'x', roles: ['dpo'], admin: true })
      .expect(400);
    await admin().get('/principals/not-a-uuid').expect(400);
    expect(
      (await admin().get('/principals/00000000-0000-4000-8000-000000000000').expect(404)).body.error,
    ).toBe('PRINCIPAL_NOT_FOUND');
    const purposesForDpo = await admin()
      .post('/principals')
      .send({ name: 'x', roles: ['dpo'], purposeCodes: ['crm.contact'] })
      .expect(422);
    expect(purposesForDpo.body.error).toBe('PURPOSES_NEED_APPLICATION_ROLE');
  });

  it('records principal and key changes in the audit trail, in their transaction', async () => {
    const created = await admin()
      .post('/principals')
      .send({ name: 'audited', roles: [Role.Auditor] })
      .expect(201);
    const rows = await query<{ type: string; actor_id: string; payload: Record<string, unknown> }>(
      `SELECT type, actor_id, payload FROM audit_event WHERE target_id = $1 ORDER BY seq`,
      [created.body.id],
    );
    expect(rows.map((r) => r.type)).toEqual(['principal.created', 'key.created']);
    expect(rows[0].actor_id).toBe(t.principalIds[Role.Admin]);
    expect(rows[1].payload).toMatchObject({
      keyId: created.body.keyId,
      keyPrefix: created.body.key.slice(0, 12),
    });
    // A refused change writes nothing.
    const before = (await query(`SELECT seq FROM audit_event`)).length;
    await admin()
      .post('/principals')
      .send({ name: 'x', roles: ['application'], purposeCodes: ['no.such'] })
      .expect(422);
    expect((await query(`SELECT seq FROM audit_event`)).length).toBe(before);
    expect((await query(`SELECT id FROM principal WHERE name = 'x'`)).length).toBe(0);
  });
});
