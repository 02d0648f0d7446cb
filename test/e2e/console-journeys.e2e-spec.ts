/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { stringify } from 'yaml';
import { Role } from '../../src/policies/role.enum';
import { purposeInput } from '../factories/purpose.factory';
import {
  expectNoSeriousViolations,
  signIn as signInAt,
  startConsoleHarness,
  type ConsoleHarness,
} from '../utils/console-browser';
import type { TestApp } from '../utils/test-app';

// A whole journey in a real browser, on a machine shared with other work: more than the default 60 s.
const JOURNEY_TIMEOUT = 240_000;
/** What has the keyboard focus, as a person would name it: its label, its text or its ARIA name. */
function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return '';
    const labelled = el.getAttribute('aria-label');
    if (labelled) return labelled;
    const input = el as HTMLInputElement;
    const label = input.labels?.[0]?.textContent;
    if (label) return label.trim();
    return (el.textContent ?? '').trim();
  });
}

/** Presses Tab until the focus is on what `name` matches (a person tabbing through the page). */
async function tabTo(page: Page, name: RegExp, max = 60): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const focused = await focusedName(page);
    if (name.test(focused)) return;
    seen.push(focused);
  }
  throw new Error(`Tab never reached ${String(name)}; focus went through: ${seen.join(' | ')}`);
}

/** Waits until `read` gives what `done` accepts (what the page does is asynchronous), then returns it. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, tries = 50): Promise<T> {
  let value = await read();
  for (let i = 0; i < tries && !done(value); i++) {
    await new Promise((r) => setTimeout(r, 200));
    value = await read();
  }
  return value;
}

/** Admin actions, a keyboard-only journey and a register of thousands of purposes (issue 13). */
describe('Console journeys: principals, keyboard only, a large register (browser)', () => {
  let harness: ConsoleHarness;
  let t: TestApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    harness = await startConsoleHarness();
    ({ t, browser, base } = harness);
  });
  afterAll(async () => {
    await harness?.close();
  }, JOURNEY_TIMEOUT);

  it(
    'an admin rotates, revokes and disables a principal and authorises an application’s purposes',
    async () => {
      await t
        .as(Role.Dpo)
        .post('/purposes')
        .send(purposeInput({ code: 'billing.invoices', name: 'Invoices' }));
      await t.as(Role.Dpo).post('/purposes/billing.invoices/activate').expect(200);
      const app = (
        await t
          .as(Role.Admin)
          .post('/principals')
          .send({ name: 'Billing app', roles: ['application'] })
          .expect(201)
      ).body as { id: string; key: string };
      const dpo = (
        await t
          .as(Role.Admin)
          .post('/principals')
          .send({ name: 'Second DPO', roles: ['dpo'] })
          .expect(201)
      ).body as { id: string; key: string };

      const context = await browser.newContext({ locale: 'en-GB' });
      const page = await context.newPage();
      page.on('dialog', (d) => void d.accept());
      await signInAt(page, base, t.keys[Role.Admin]!);
      await page.getByRole('heading', { name: 'Principals' }).waitFor();
      const row = (name: string) => page.getByRole('row', { name: new RegExp(name) });

      // Authorise the application's purposes: typed in, saved at once.
      const purposes = row('Billing app').getByLabel('Purposes Billing app may invoke');
      await purposes.fill('billing.invoices');
      await purposes.press('Enter');
      const authorised = await eventually(
        async () =>
          (
            (await t.as(Role.Admin).get(`/principals/${app.id}`).expect(200)).body as {
              purposeCodes: string[];
            }
          ).purposeCodes,
        (codes) => codes.length > 0,
      );
      expect(authorised).toEqual(['billing.invoices']);
      expect(await page.getByRole('alert').count()).toBe(0);

      // Rotate the DPO's key: a new key is shown once and works; the old one is given an expiry
      // (it keeps working for the rotation grace period only).
      await row('Second DPO').getByRole('button', { name: 'Rotate' }).click();
      const rotated = await page.getByTestId('new-key').innerText();
      expect(rotated).toMatch(/^fin_/);
      await t.http().get('/me').set('Authorization', `Bearer ${rotated}`).expect(200);
      const keys = (
        (await t.as(Role.Admin).get(`/principals/${dpo.id}`).expect(200)).body as {
          keys: { prefix: string; expiresAt: string | null; revokedAt: string | null }[];
        }
      ).keys;
      const prefix = rotated.split('_').slice(0, 2).join('_');
      expect(keys.find((k) => k.prefix === prefix)).toMatchObject({ expiresAt: null, revokedAt: null });
      expect(keys.find((k) => k.prefix !== prefix)?.expiresAt).toEqual(expect.any(String));
      await expectNoSeriousViolations(page);
      await page.getByRole('button', { name: 'Close' }).click();

      // Revoke the new key (after the confirmation): refused at once, and gone from the row.
      await row('Second DPO').locator(`code:text-is("${prefix}") ~ button`, { hasText: 'Revoke' }).click();
      const status = await eventually(
        async () => (await t.http().get('/me').set('Authorization', `Bearer ${rotated}`)).status,
        (s) => s === 401,
      );
      expect(status).toBe(401);
      await row('Second DPO').locator(`code:text-is("${prefix}")`).waitFor({ state: 'detached' });

      // Disable the application: its key stops working; enable it again.
      await row('Billing app').getByRole('button', { name: 'Disable' }).click();
      await row('Billing app').getByRole('button', { name: 'Enable' }).waitFor();
      await t.http().get('/me').set('Authorization', `Bearer ${app.key}`).expect(401);
      await row('Billing app').getByRole('button', { name: 'Enable' }).click();
      await row('Billing app').getByRole('button', { name: 'Disable' }).waitFor();
      await t.http().get('/me').set('Authorization', `Bearer ${app.key}`).expect(200);
      await expectNoSeriousViolations(page);
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'keyboard only (Tab, Enter, Space): a DPO signs in, goes to the register and creates a draft purpose',
    async () => {
      const context = await browser.newContext({ locale: 'en-GB' });
      const page = await context.newPage();
      await page.goto(`${base}/console/`);
      // The key field has the focus on arrival; typing is the keyboard too.
      await page.getByLabel('API key').waitFor();
      expect(await focusedName(page)).toMatch(/API key/);
      await page.keyboard.type(t.keys[Role.Dpo]!);
      await tabTo(page, /^Sign in$/);
      await page.keyboard.press('Enter');
      await page.getByTestId('whoami').waitFor();

      await tabTo(page, /^Organisation$/);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Controller organisation' }).waitFor();
      await page.keyboard.press('Shift+Tab');
      expect(await focusedName(page)).toBe('Register');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Register of processing activities' }).waitFor();

      await tabTo(page, /^New purpose$/);
      await page.keyboard.press('Space');
      await page.getByRole('dialog').waitFor();
      await tabTo(page, /^Code/);
      await page.keyboard.type('keyboard.only');
      await tabTo(page, /^Name/);
      await page.keyboard.type('Typed without a mouse');
      await tabTo(page, /^Save$/);
      await page.keyboard.press('Enter');
      await page.getByRole('dialog').waitFor({ state: 'hidden' });
      await page.getByRole('heading', { name: 'Typed without a mouse' }).waitFor();
      expect((await t.as(Role.Auditor).get('/purposes/keyboard.only').expect(200)).body).toMatchObject({
        status: 'draft',
        name: 'Typed without a mouse',
      });
      await expectNoSeriousViolations(page);
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'stays responsive with 2,000 purposes: the tree shows 200 rows at a time (prints the time to first rows)',
    async () => {
      const count = 2000;
      const current = (await t.as(Role.Dpo).get('/register/export').query({ format: 'json' }).expect(200))
        .body as {
        format: string;
        purposes: Record<string, unknown>[];
        systems: unknown[];
      };
      const many = Array.from({ length: count }, (_, i) => ({
        code: `bulk.p${String(i).padStart(4, '0')}`,
        name: `Bulk purpose ${i}`,
        status: 'draft',
      }));
      // One API call (register as code) instead of 2,000: the same purposes, created by the service.
      await t
        .as(Role.Dpo)
        .post('/register/import')
        .set('Content-Type', 'application/yaml')
        .send(stringify({ ...current, purposes: [...current.purposes, ...many] }))
        .expect(200);
      const total = (
        (await t.as(Role.Dpo).get('/register/export').query({ format: 'json' }).expect(200)).body as {
          purposes: unknown[];
        }
      ).purposes.length;
      expect(total).toBeGreaterThanOrEqual(count);

      const context = await browser.newContext({ locale: 'en-GB' });
      const page = await context.newPage();
      await signInAt(page, base, t.keys[Role.Dpo]!);
      const list = page.getByRole('list', { name: 'Register of processing activities' });
      const started = Date.now();
      await page.getByRole('link', { name: 'Register', exact: true }).click();
      await list.getByRole('listitem').first().waitFor();
      const firstRows = Date.now() - started;
      // A figure for people, not an assertion (no timed assertion in tests).
      console.log(`register with ${total} purposes: first rows after ${firstRows} ms`);
      expect(await list.getByRole('listitem').count()).toBe(200);
      await page.getByText(`Showing 200 of ${total} purposes`).waitFor();
      await page.getByRole('button', { name: 'Show more' }).click();
      expect(
        await eventually(
          () => list.getByRole('listitem').count(),
          (n) => n === 400,
        ),
      ).toBe(400);
      await list.getByRole('button', { name: /Bulk purpose 1\b/ }).click();
      await page.getByRole('heading', { name: 'Bulk purpose 1' }).waitFor();
      await expectNoSeriousViolations(page);
      await context.close();
    },
    // 2,000 purposes imported, then read by the browser: longer still on a shared machine.
    3 * JOURNEY_TIMEOUT,
  );
});
