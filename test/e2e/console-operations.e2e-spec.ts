/// <reference lib="dom" />
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Role } from '../../src/policies/role.enum';
import {
  expectNoSeriousViolations,
  signIn as signInAt,
  startConsoleHarness,
  type ConsoleHarness,
} from '../utils/console-browser';
import { createCrm, Crm, insertCustomers, registerCrm } from '../utils/crm-fixture';
import { testRedisPrefix } from '../utils/redis-keys';
import { TEST_REDIS_URL } from '../utils/test-database';
import type { TestApp } from '../utils/test-app';

const YEAR = 365;
/** A journey loads several screens and runs axe on each: minutes on a loaded machine, not seconds. */
const JOURNEY_TIMEOUT = 240_000;

/**
 * Issue 14's operations screens in Debian's Chromium against the real service on PostgreSQL,
 * a real customer table, and Redis (BullMQ) for the retention runs: subjects, access decisions,
 * retention. One purge batch per row with a pause, so that a run can be watched while it moves.
 */
describe('Console operations in a browser (subjects, decisions, retention)', () => {
  let harness: ConsoleHarness;
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let crm: Crm;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    harness = await startConsoleHarness({
      env: {
        REDIS_URL: TEST_REDIS_URL,
        REDIS_PREFIX: testRedisPrefix(),
        RETENTION_SCHEDULER: 'off',
        RETENTION_BATCH_SIZE: '1',
        RETENTION_BATCH_PAUSE_MS: '400',
      },
    });
    ({ t, browser, base } = harness);
    crm = await createCrm('console_ops');
    await insertCustomers(crm, [
      { id: 1, ref: 'cust-A', createdDaysAgo: YEAR, lastInteractionDaysAgo: 180 }, // every purpose lasts
      { id: 2, ref: 'cust-B', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 2 * YEAR }, // anonymised
      { id: 3, ref: 'cust-C', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 4 * YEAR }, // deleted
      { id: 4, ref: 'cust-D', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: null }, // undated
      { id: 5, ref: 'cust-E', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 4 * YEAR }, // to be held
      { id: 7, ref: 'cust-G', createdDaysAgo: 100, lastInteractionDaysAgo: 10 }, // withdraws, then erased
    ]);
    await registerCrm(t, crm);
    await t.authoriseApplication(['crm.support', 'marketing.newsletter']);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await harness?.close();
    await crm?.close();
  });

  async function open(role: Role, locale: 'en-GB' | 'fr-FR'): Promise<Page> {
    const context = await browser.newContext({ locale });
    contexts.push(context);
    const page = await context.newPage();
    // window.confirm guards the irreversible actions: the journey accepts them.
    page.on('dialog', (d) => void d.accept());
    await signInAt(page, base, t.keys[role]!);
    return page;
  }
  const app = () => t.as(Role.Application);

  it(
    'a DPO handles a subject’s withdrawal from lookup to purge proof (EN, keyboard)',
    async () => {
      // The shop's application records the consent and its withdrawal, then asks for the email.
      await app()
        .post('/subjects/cust-G/consents')
        .send({
          purpose: 'marketing.newsletter',
          status: 'granted',
          source: 'web-shop/signup',
          proof: { form: 'signup-2026-03', text: 'Send me the newsletter' },
        })
        .expect(201);
      await app()
        .post('/subjects/cust-G/consents')
        .send({ purpose: 'marketing.newsletter', status: 'withdrawn', source: 'web-shop/preferences' })
        .expect(201);
      const denied = await app()
        .post('/access/check')
        .send({
          purpose: 'marketing.newsletter',
          action: 'read',
          fields: ['crm.customers.email'],
          subjectId: 'cust-G',
        })
        .expect(200);
      expect(denied.body.decision).toBe('deny');

      const page = await open(Role.Dpo, 'en-GB');
      await page.getByRole('link', { name: 'Data subjects' }).click();
      await page.mouse.move(0, 0);
      await page.getByRole('heading', { name: 'Data subject', exact: true }).waitFor();
      await expectNoSeriousViolations(page);
      // Keyboard only: type the id and press Enter.
      await page.getByLabel('Subject id').focus();
      await page.keyboard.type('cust-G');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Subject cust-G' }).waitFor();
      expect(page.url()).toContain('/console/subject?id=cust-G');

      const history = page.getByTestId('consent-history');
      await history.getByText('Withdrawn', { exact: true }).waitFor();
      const historyText = await history.innerText();
      expect(historyText).toMatch(
        /Withdrawn[\s\S]*web-shop\/preferences[\s\S]*Granted[\s\S]*web-shop\/signup/i,
      );
      expect(historyText).toContain('Send me the newsletter');
      const decisions = page.getByRole('region', { name: 'Access decisions about this subject' });
      await decisions.getByText('refused: Consent withdrawn').waitFor();
      expect(await decisions.innerText()).toMatch(/Denied[\s\S]*crm\.customers\.email/i);
      // No console role records a consent: the console says who does.
      await page.getByText(/Consents are recorded by the applications/).waitFor();
      await expectNoSeriousViolations(page);

      // The subject also asks to be forgotten.
      const erasure = page.getByRole('region', { name: 'Erasure requests' });
      await erasure.getByLabel('Reason (optional)').fill('Letter of 3 March: withdrawal and erasure');
      await erasure.getByRole('button', { name: 'Request erasure (art. 17)' }).click();
      const proof = page.getByTestId('purge-proof');
      await proof.waitFor({ timeout: 30_000 });
      expect(await proof.innerText()).toMatch(
        /^Erased on .*: 0 rows deleted, 1 anonymised, 0 kept under a hold — retention run [0-9a-f-]{36}/,
      );
      expect(await erasure.innerText()).toMatch(/crm · public\.customers\s+Completed/);
      await expectNoSeriousViolations(page);
      // In the customer table: the email is a keyed hash now, the name kept for billing (legal obligation).
      const [row] = await crm.query<{ email: string; name: string }>(
        'SELECT email, name FROM customers WHERE id = 7',
      );
      expect(row.email).toMatch(/^hmac:/);
      expect(row.name).toBe('Name cust-G');
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a DPO searches decisions by reason and subject, and explains a what-if with its rule trail (EN)',
    async () => {
      const page = await open(Role.Dpo, 'en-GB');
      await page.getByRole('link', { name: 'Access decisions' }).click();
      await page.mouse.move(0, 0);
      await page.getByRole('heading', { name: 'Access decisions' }).waitFor();
      const search = page.getByRole('search', { name: 'Search' });
      await search.getByRole('combobox', { name: 'Reason' }).click();
      await page.getByRole('option', { name: 'Consent withdrawn' }).click();
      await search.getByRole('textbox', { name: 'Subject id' }).fill('cust-G');
      await search.getByRole('button', { name: 'Search' }).click();
      await page.getByText('Decisions found: 1, newest first').waitFor();
      const table = page.getByTestId('decision-table');
      expect(await table.innerText()).toMatch(/test application[\s\S]*marketing\.newsletter[\s\S]*Denied/i);
      await expectNoSeriousViolations(page);
      await search.getByRole('textbox', { name: 'Subject id' }).fill('cust-A');
      await search.getByRole('button', { name: 'Search' }).click();
      await page.getByText('No decision.').waitFor();

      await page.getByRole('tab', { name: 'Explain' }).click();
      const form = page.getByRole('form', { name: 'Explain' });
      await form.getByRole('textbox', { name: /^Purpose/ }).fill('marketing.newsletter');
      await form.getByLabel('Fields').fill('crm.customers.email');
      await page.keyboard.press('Enter');
      await form.getByRole('textbox', { name: 'Subject id' }).fill('cust-G');
      await form.getByRole('button', { name: 'Explain' }).click();
      const explanation = page.getByTestId('explanation');
      await explanation.waitFor();
      const text = await explanation.innerText();
      expect(text).toMatch(/^Denied/i);
      expect(text).toMatch(/crm\.customers\.email — refused: Consent withdrawn/);
      expect(text).toMatch(/Consent withdrawn\s+failed/);
      await expectNoSeriousViolations(page);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a DPO places a legal hold, and the next run shows the rows held (EN)',
    async () => {
      const page = await open(Role.Dpo, 'en-GB');
      await page.getByRole('link', { name: 'Retention' }).click();
      await page.mouse.move(0, 0);
      await page.getByRole('tab', { name: 'Legal holds' }).click();
      await page.getByLabel('Subject id').fill('cust-E');
      await page.getByRole('textbox', { name: /^Reason/ }).fill('Litigation 2026-CV-118');
      await page.getByLabel('End date (optional)').fill('2031-12-31');
      await page.getByRole('button', { name: 'Place the hold' }).click();
      const holds = page.getByTestId('legal-holds');
      await holds.getByText('Litigation 2026-CV-118').waitFor();
      expect(await holds.innerText()).toMatch(
        /Subject cust-E\s+Litigation 2026-CV-118[\s\S]*2031[\s\S]*In force/i,
      );
      await expectNoSeriousViolations(page);

      await page.getByRole('tab', { name: 'Runs' }).click();
      await page.getByRole('button', { name: 'Start a dry run' }).click();
      const progress = page.getByTestId('run-progress');
      await page
        .locator('[data-testid="run-progress"][data-status="completed"]')
        .waitFor({ timeout: 30_000 });
      const dataset = progress.getByTestId('run-dataset-public.customers');
      expect(await dataset.getByTestId('held').innerText()).toBe('1');
      expect(await progress.innerText()).toMatch(/public\.customers: Legal hold — Litigation 2026-CV-118/);
      await expectNoSeriousViolations(page);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a DPO runs a dry run, then the real run, watches it progress and finish, and the overdue count drops (FR)',
    async () => {
      const page = await open(Role.Dpo, 'fr-FR');
      await page.getByRole('link', { name: 'Conservation' }).click();
      await page.mouse.move(0, 0);
      await page.getByRole('heading', { name: 'Durées de conservation' }).waitFor();
      // Keyboard: from the first tab to the next with the arrow key.
      await page.getByRole('tab', { name: 'Exécutions' }).focus();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Enter');
      const total = page.getByTestId('overdue-total');
      await total.getByText(/Lignes dont la durée de conservation est échue : \d+/).waitFor();
      const overdueBefore = Number(/(\d+)/.exec(await total.innerText())![1]);
      expect(overdueBefore).toBeGreaterThanOrEqual(2); // cust-B and cust-C at least
      await expectNoSeriousViolations(page);

      await page.getByRole('tab', { name: 'Exécutions' }).click();
      await page.getByRole('combobox', { name: 'Système' }).click();
      await page.getByRole('option', { name: 'crm' }).click();
      await page.getByRole('button', { name: 'Lancer une simulation' }).click();
      const progress = page.getByTestId('run-progress');
      await page
        .locator('[data-testid="run-progress"][data-status="completed"]')
        .waitFor({ timeout: 30_000 });
      expect(await progress.innerText()).toMatch(/simulation/);
      const dry = progress.getByTestId('run-dataset-public.customers');
      expect(Number(await dry.getByTestId('deleted').innerText())).toBeGreaterThanOrEqual(1);
      await progress.getByTestId('sample-keys').waitFor();
      expect(await progress.getByTestId('sample-keys').innerText()).toMatch(/public\.customers : [\s\S]*3/);
      expect((await crm.query('SELECT id FROM customers WHERE id = 3')).length).toBe(1); // nothing changed
      await expectNoSeriousViolations(page);

      // The confirmation, by keyboard.
      await page.getByRole('button', { name: 'Exécuter pour de bon' }).focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Exécuter la purge pour de bon ?' });
      await dialog.getByText(/La simulation a trouvé \d+ lignes à supprimer/).waitFor();
      await expectNoSeriousViolations(page);
      // Live progress: every status the panel renders is recorded as it is rendered (a short run
      // may end between two samples of the page, so sampling could miss its start).
      await page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { runStatuses: string[] }).runStatuses = seen;
        const record = () => {
          const panel = document.querySelector('[data-testid="run-progress"]');
          if (panel && !/simulation/.test(panel.textContent ?? ''))
            seen.push(panel.getAttribute('data-status') ?? '');
        };
        new MutationObserver(record).observe(document.body, {
          subtree: true,
          childList: true,
          characterData: true,
          attributes: true,
          attributeFilter: ['data-status'],
        });
      });
      await dialog.getByRole('button', { name: 'Oui, exécuter' }).focus();
      await page.keyboard.press('Enter');
      await page
        .locator('[data-testid="run-progress"][data-status="completed"]')
        .filter({ hasText: /exécution réelle/i })
        .waitFor({ timeout: 45_000 });
      const seen = await page.evaluate(() => (window as unknown as { runStatuses: string[] }).runStatuses);
      expect(seen.some((s) => ['queued', 'running'].includes(s))).toBe(true);
      expect(seen[seen.length - 1]).toBe('completed');
      expect(await progress.innerText()).toMatch(/Terminée[\s\S]*exécution réelle/i);
      const done = progress.getByTestId('run-dataset-public.customers');
      expect(await done.getByTestId('deleted').innerText()).toBe('1'); // cust-C
      expect(await done.getByTestId('held').innerText()).toBe('1'); // cust-E, under the hold
      expect((await crm.query('SELECT id FROM customers WHERE id = 3')).length).toBe(0);
      expect((await crm.query('SELECT id FROM customers WHERE id = 5')).length).toBe(1);
      await expectNoSeriousViolations(page);

      const history = page.getByTestId('run-history');
      expect(await history.innerText()).toMatch(/exécution réelle\s+crm\s+Terminée/i);

      await page.getByRole('tab', { name: 'Échues' }).click();
      // Measured again once the run ended (the figure shown first may be the one kept from before).
      await total
        .getByText('Lignes dont la durée de conservation est échue : 0')
        .waitFor({ timeout: 30_000 });
      expect(overdueBefore).toBeGreaterThan(0);
      const measured = await t.as(Role.Auditor).get('/retention/overdue').expect(200);
      expect(measured.body.items.map((d: { dueRows: number }) => d.dueRows)).toEqual([0]);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'an auditor reads every operations screen and is offered no action (EN)',
    async () => {
      const page = await open(Role.Auditor, 'en-GB');
      await page.getByRole('link', { name: 'Data subjects' }).click();
      await page.mouse.move(0, 0);
      await page.getByLabel('Subject id').fill('cust-G');
      await page.getByRole('button', { name: 'Look up' }).click();
      await page.getByTestId('purge-proof').waitFor();
      expect(await page.getByRole('button', { name: /Request erasure|Record|Place the hold/ }).count()).toBe(
        0,
      );
      await expectNoSeriousViolations(page);

      await page.getByRole('link', { name: 'Access decisions' }).click();
      await page.mouse.move(0, 0);
      await page.getByTestId('decision-table').waitFor();
      expect(await page.getByRole('tab', { name: 'Explain' }).count()).toBe(0);

      await page.getByRole('link', { name: 'Retention' }).click();
      await page.mouse.move(0, 0);
      await page.getByTestId('run-history').waitFor();
      expect(await page.getByRole('button', { name: 'Start a dry run' }).count()).toBe(0);
      await page.getByRole('tab', { name: 'Rules' }).click();
      await page.getByText(/email: replaced by a keyed hash/).waitFor();
      await expectNoSeriousViolations(page);
      await page.getByRole('tab', { name: 'Legal holds' }).click();
      await page.getByTestId('legal-holds').waitFor();
      expect(await page.getByRole('button', { name: /Lift|Place the hold/ }).count()).toBe(0);
      await expectNoSeriousViolations(page);
    },
    JOURNEY_TIMEOUT,
  );
});
