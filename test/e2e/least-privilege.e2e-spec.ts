import { Client } from 'pg';
import { ConsentsService } from '../../src/modules/consents/consents.service';
import { FieldsService } from '../../src/modules/inventory/fields.service';
import { InventoryReadModel } from '../../src/modules/inventory/inventory-read-model.service';
import { PurposeQueriesService } from '../../src/modules/purposes/purpose-queries.service';
import type { AppAbility } from '../../src/policies/ability.factory';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { declareCrmCustomers } from '../utils/register-fixture';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Least privilege of application principals, end to end: an application sees and restricts only
 * the purposes it is authorised for, learns nothing about the others, and only applications ask
 * for recorded access decisions. Two applications: A (authorised for NEWSLETTER) and B (PARTNERS).
 */
describe('Least privilege of applications (PostgreSQL)', () => {
  let t: TestApp;
  let db: Client;
  let appBKey: string;
  const appA = () => t.as(Role.Application);
  const appB = () => t.withKey(appBKey);
  const dpo = () => t.as(Role.Dpo);

  const NEWSLETTER = 'marketing.newsletter';
  const PARTNERS = 'marketing.partners';
  const UNKNOWN = 'marketing.no-such-purpose';
  const FIELD = 'crm.customers.email';

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.query<{ n: string }>(sql, params)).rows[0].n);
  const decisions = () => count(`SELECT count(*) AS n FROM audit_event WHERE type = 'access.decision'`);
  const restrictionsOf = (subjectId: string) =>
    count('SELECT count(*) AS n FROM subject_restriction WHERE subject_id = $1', [subjectId]);

  beforeAll(async () => {
    t = await startTestApp();
    db = await connectTo(t.databaseUrl!);
    for (const code of [NEWSLETTER, PARTNERS]) {
      await dpo().post('/purposes').send(purposeInput({ code })).expect(201);
      await dpo().post(`/purposes/${code}/activate`).expect(200);
    }
    await t.authoriseApplication([NEWSLETTER]);
    const b = await t
      .as(Role.Admin)
      .post('/principals')
      .send({ name: 'partners app', roles: [Role.Application], purposeCodes: [PARTNERS] })
      .expect(201);
    appBKey = b.body.key as string;
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  describe("a subject's consents", () => {
    beforeAll(async () => {
      await appA()
        .post('/subjects/lp-1/consents')
        .send({ purpose: NEWSLETTER, status: 'granted', source: 'shop', proof: { form: 'newsletter' } })
        .expect(201);
      await appB()
        .post('/subjects/lp-1/consents')
        .send({
          purpose: PARTNERS,
          status: 'granted',
          source: 'partners',
          proof: { form: 'partners-secret' },
        })
        .expect(201);
      await appB()
        .post('/subjects/lp-1/consents')
        .send({ purpose: PARTNERS, status: 'withdrawn', source: 'partners' })
        .expect(201);
    });

    it('are shown to an application for its authorised purposes only (state, history and proof)', async () => {
      const a = await appA().get('/subjects/lp-1/consents').expect(200);
      expect(a.body.current.map((c: { purpose: string }) => c.purpose)).toEqual([NEWSLETTER]);
      expect(a.body.history.map((h: { purpose: string }) => h.purpose)).toEqual([NEWSLETTER]);
      expect(JSON.stringify(a.body)).not.toContain(PARTNERS);
      expect(JSON.stringify(a.body)).not.toContain('partners-secret');

      const b = await appB().get('/subjects/lp-1/consents').expect(200);
      expect(b.body.current).toEqual([expect.objectContaining({ purpose: PARTNERS, status: 'withdrawn' })]);
      expect(b.body.history.map((h: { purpose: string }) => h.purpose)).toEqual([PARTNERS, PARTNERS]);
    });

    it('are shown in full to a DPO and an auditor', async () => {
      for (const reader of [dpo(), t.as(Role.Auditor)]) {
        const res = await reader.get('/subjects/lp-1/consents').expect(200);
        expect(res.body.current.map((c: { purpose: string }) => c.purpose)).toEqual([NEWSLETTER, PARTNERS]);
        expect(res.body.history).toHaveLength(3);
      }
    });
  });

  describe('restrictions and objections', () => {
    it('lets an application restrict its authorised purposes', async () => {
      const res = await appA()
        .post('/subjects/lp-2/restrictions')
        .send({ purposes: [NEWSLETTER], reason: 'Accuracy contested' })
        .expect(201);
      expect(res.body).toMatchObject({ purposes: [NEWSLETTER], active: true });
    });

    it('refuses an application a purpose it is not authorised for, with the same answer whether it exists or not', async () => {
      const before = await count(`SELECT count(*) AS n FROM audit_event WHERE type = 'restriction.set'`);
      const existing = await appA()
        .post('/subjects/lp-3/restrictions')
        .send({ kind: 'objection', purposes: [PARTNERS], reason: 'Objects' })
        .expect(403);
      const unknown = await appA()
        .post('/subjects/lp-3/restrictions')
        .send({ kind: 'objection', purposes: [UNKNOWN], reason: 'Objects' })
        .expect(403);
      expect(existing.body).toMatchObject({
        error: 'RESTRICTION_PURPOSE_NOT_AUTHORISED',
        details: { purposes: [PARTNERS] },
      });
      // Nothing but the code the caller sent differs: no existence oracle.
      expect(JSON.stringify(unknown.body).replaceAll(UNKNOWN, '<code>')).toBe(
        JSON.stringify(existing.body).replaceAll(PARTNERS, '<code>'),
      );
      // One purpose outside the authorisations refuses the whole request.
      const mixed = await appA()
        .post('/subjects/lp-3/restrictions')
        .send({ purposes: [NEWSLETTER, UNKNOWN], reason: 'x' })
        .expect(403);
      expect(mixed.body.details).toEqual({ purposes: [UNKNOWN] });
      expect(await restrictionsOf('lp-3')).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM audit_event WHERE type = 'restriction.set'`)).toBe(
        before,
      );
    });

    it('requires an application to name purposes: it cannot block every purpose (and other applications)', async () => {
      for (const kind of ['restriction', 'objection']) {
        const res = await appA()
          .post('/subjects/lp-4/restrictions')
          .send({ kind, reason: 'Objects to all processing' })
          .expect(403);
        expect(res.body.error).toBe('RESTRICTION_PURPOSES_REQUIRED');
      }
      expect(await restrictionsOf('lp-4')).toBe(0);
      // The other application's purpose stays usable for this subject.
      const check = await appB()
        .post('/access/check')
        .send({ purpose: PARTNERS, action: 'read', fields: [FIELD], subjectId: 'lp-4' })
        .expect(200);
      expect(check.body.fields[0].reason).not.toBe('SUBJECT_RESTRICTED');
    });

    it('leaves a DPO full rights: every purpose, any purpose, and the unknown-purpose answer', async () => {
      const all = await dpo()
        .post('/subjects/lp-5/restrictions')
        .send({ kind: 'objection', reason: 'Objects to all processing (art. 21)' })
        .expect(201);
      expect(all.body.purposes).toBeNull();
      await dpo()
        .post('/subjects/lp-5/restrictions')
        .send({ purposes: [PARTNERS], reason: 'art. 18' })
        .expect(201);
      const unknown = await dpo()
        .post('/subjects/lp-5/restrictions')
        .send({ purposes: [UNKNOWN], reason: 'x' })
        .expect(422);
      expect(unknown.body.error).toBe('RESTRICTION_PURPOSE_UNKNOWN');
      expect(await restrictionsOf('lp-5')).toBe(2);
    });
  });

  describe('recorded access decisions', () => {
    const body = { purpose: NEWSLETTER, action: 'read', fields: [FIELD] };

    it('are refused (403 FORBIDDEN) to every principal without the application role, and not recorded', async () => {
      const before = await decisions();
      for (const role of [Role.Dpo, Role.Auditor, Role.Admin]) {
        const single = await t.as(role).post('/access/check').send(body).expect(403);
        expect(single.body.error).toBe('FORBIDDEN');
        const batch = await t
          .as(role)
          .post('/access/check/batch')
          .send({ checks: [body] })
          .expect(403);
        expect(batch.body.error).toBe('FORBIDDEN');
      }
      expect(await decisions()).toBe(before);
      // The DPO's way in is the explanation, which is not a decision.
      const explained = await dpo().post('/access/explain').send(body).expect(200);
      expect(explained.body.recordedAs).toBe('access.explained');
      expect(await decisions()).toBe(before);
    });

    it('are still given to applications, recording a purpose outside their authorisations as a deny', async () => {
      const before = await decisions();
      const denied = await appA()
        .post('/access/check')
        .send({ ...body, purpose: PARTNERS })
        .expect(200);
      expect(denied.body.fields[0].reason).toBe('APPLICATION_NOT_AUTHORISED');
      const mine = await appA().post('/access/check').send(body).expect(200);
      expect(mine.body.fields[0].reason).not.toBe('APPLICATION_NOT_AUTHORISED');
      expect(await decisions()).toBe(before + 2);
    });
  });

  describe('record-level checks', () => {
    // A caller that forgets the ability (only possible by defeating the types) must fail, not see all.
    const forgotten = undefined as unknown as AppAbility;

    it('fail closed when no ability is given', async () => {
      await expect(t.app.get(PurposeQueriesService).get(PARTNERS, forgotten)).rejects.toThrow();
      await expect(t.app.get(PurposeQueriesService).list({}, forgotten)).rejects.toThrow();
      await expect(t.app.get(PurposeQueriesService).history(PARTNERS, forgotten)).rejects.toThrow();
      await expect(t.app.get(ConsentsService).forSubject('lp-1', forgotten)).rejects.toThrow();
      await declareCrmCustomers(t, { email: 'contact' });
      await expect(t.app.get(InventoryReadModel).listAllFields({}, forgotten)).rejects.toThrow();
      await expect(t.app.get(FieldsService).getField(FIELD, forgotten)).rejects.toThrow();
    });

    it("apply the request's ability over HTTP: an application sees its own purposes only", async () => {
      const list = await appA().get('/purposes').expect(200);
      expect(list.body.items.map((p: { code: string }) => p.code)).toEqual([NEWSLETTER]);
      const other = await appA().get(`/purposes/${PARTNERS}`).expect(404);
      const missing = await appA().get(`/purposes/${UNKNOWN}`).expect(404);
      expect(other.body.error).toBe(missing.body.error);
    });
  });
});
