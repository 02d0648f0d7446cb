import { Client } from 'pg';
import type request from 'supertest';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import { declareActivePurpose, declareCrmCustomers } from './register-fixture';
import { startTestApp, TestApp } from './test-app';
import { connectTo } from './test-database';

/**
 * The access-check suites' shared register (access-decisions, access-batch-explain,
 * access-multi-instance), declared through the API as the DPO, and the probes they share. Each
 * suite keeps its own checks and assertions.
 */

export const EMAIL = 'crm.customers.email';
export const NAME = 'crm.customers.name';
export const IBAN = 'crm.customers.iban';
export const PHONE = 'crm.customers.phone';

/** One field of an access decision, as POST /access/check answers it. */
export interface FieldAnswer {
  field: string;
  allowed: boolean;
  reason: string;
  obligation?: string;
}

export const reasonsOf = (fields: FieldAnswer[]) => fields.map((f) => f.reason);

/** What a suite needs on top of the base register: the state earlier tests of another suite leave. */
export interface AccessSeed {
  /** Subjects who granted, then withdrew, their consent to `marketing` (as customer-7 in access-decisions). */
  withdrewMarketing?: string[];
  /** More bindings, field key → bindings (as the phone bound to billing in access-decisions). */
  bindings?: Record<string, Record<string, unknown>[]>;
}

/**
 * The set-up an access suite shares: created when the suite is declared (its probes can be
 * destructured then), started in beforeAll, closed in afterAll.
 */
export interface AccessFixture {
  /** Boots the app on a fresh database and declares declareAccessRegister's register, plus `seed`. */
  start: () => Promise<{ t: TestApp; db: Client }>;
  close: () => Promise<void>;
  /** The decision id of every check sent through `check` and answered 200. */
  decisionIds: string[];
  /** One check as the application (on the started app unless told); `.expect(status)` sends it and records the decision id. */
  check: (
    body: Record<string, unknown>,
    on?: TestApp,
  ) => { expect: (status: number) => Promise<request.Response> };
  /** Replaces a field's bindings (as the DPO). */
  bind: (field: string, bindings: Record<string, unknown>[]) => Promise<void>;
  /** How many access.decision events the audit trail holds. */
  countDecisions: () => Promise<number>;
  /** How many events of `type` the audit trail holds. */
  countEvents: (type: string) => Promise<number>;
}

export function accessFixture(seed: AccessSeed = {}): AccessFixture {
  let started: { t: TestApp; db: Client } | undefined;
  const app = () => {
    if (!started) throw new Error('accessFixture: call start() in beforeAll first');
    return started;
  };
  const bind = async (field: string, bindings: Record<string, unknown>[]) => {
    await app().t.as(Role.Dpo).put(`/fields/${field}/purposes`).send({ bindings }).expect(200);
  };
  const countEvents = async (type: string) => {
    const rows = await app().db.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_event WHERE type = $1`,
      [type],
    );
    return Number(rows.rows[0].n);
  };
  const decisionIds: string[] = [];
  return {
    start: async () => {
      const t = await startTestApp();
      try {
        started = { t, db: await connectTo(t.databaseUrl!) };
        await declareAccessRegister(t, bind, seed);
      } catch (e) {
        await started?.db.end();
        await t.close();
        started = undefined;
        throw e;
      }
      return started;
    },
    close: async () => {
      await started?.db.end();
      await started?.t.close();
    },
    decisionIds,
    check: (body, on) => ({
      expect: async (status) => {
        const res = await (on ?? app().t)
          .as(Role.Application)
          .post('/access/check')
          .send(body)
          .expect(status);
        if (res.status === 200) decisionIds.push(res.body.decisionId as string);
        return res;
      },
    }),
    bind,
    countDecisions: () => countEvents('access.decision'),
    countEvents,
  };
}

/**
 * The register every access suite starts from: active purposes billing, hr.payroll and marketing
 * (consent), its sub-purpose marketing.newsletter, a draft `analytics`, and the manual system `crm`
 * with four fields of public.customers: the email (marketing and its sub-purposes; billing,
 * masked), the name (marketing; billing read and write; hr.payroll), the IBAN (billing) and the
 * phone (unbound). The application may invoke billing, marketing and marketing.newsletter.
 */
async function declareAccessRegister(
  t: TestApp,
  bind: AccessFixture['bind'],
  seed: AccessSeed,
): Promise<void> {
  const dpo = () => t.as(Role.Dpo);
  await declareActivePurpose(t, 'billing', { legalBasis: 'contract' });
  await declareActivePurpose(t, 'hr.payroll', { legalBasis: 'contract' });
  await declareActivePurpose(t, 'marketing');
  await declareActivePurpose(t, 'marketing.newsletter', { parentCode: 'marketing', legalBasis: null });
  await dpo()
    .post('/purposes')
    .send(purposeInput({ code: 'analytics', legalBasis: 'contract' }))
    .expect(201);
  await declareCrmCustomers(t, { email: 'contact', name: 'identity', iban: 'financial', phone: 'contact' });
  await bind(EMAIL, [
    { purpose: 'marketing', actions: ['read'], appliesToSubPurposes: true },
    { purpose: 'billing', actions: ['read'], obligation: 'mask' },
  ]);
  await bind(NAME, [
    { purpose: 'marketing', actions: ['read'] },
    { purpose: 'billing', actions: ['read', 'write'] },
    { purpose: 'hr.payroll', actions: ['read'] },
  ]);
  await bind(IBAN, [{ purpose: 'billing', actions: ['read'] }]);
  for (const [field, bindings] of Object.entries(seed.bindings ?? {})) await bind(field, bindings);
  await t.authoriseApplication(['billing', 'marketing', 'marketing.newsletter']);
  for (const subject of seed.withdrewMarketing ?? []) {
    for (const status of ['granted', 'withdrawn']) {
      await t
        .as(Role.Application)
        .post(`/subjects/${subject}/consents`)
        .send({ purpose: 'marketing', status, source: 'shop' })
        .expect(201);
    }
  }
}
