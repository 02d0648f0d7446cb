/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { Role } from '../../src/policies/role.enum';
import {
  expectNoSeriousViolations,
  signIn as signInAt,
  startConsoleHarness,
  storedEverywhere,
  type ConsoleHarness,
} from '../utils/console-browser';
import type { TestApp } from '../utils/test-app';

describe('Console in a browser', () => {
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
  });

  const signIn = (page: Page, key: string) => signInAt(page, base, key);

  it('serves the console at /console/ with a CSP that allows no inline script, and falls back for client routes', async () => {
    const res = await fetch(`${base}/console/register`);
    const html = await res.text();
    expect(html).toContain('<div id="root">');
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it('a DPO signs in, builds a purpose and a sub-purpose, and a stale edit is refused with its message', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await signIn(page, t.keys[Role.Dpo]!);
    await expectNoSeriousViolations(page);

    await page.getByRole('button', { name: 'New purpose' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Code').fill('marketing');
    await dialog.getByLabel('Name').fill('Marketing');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('heading', { name: 'Marketing' }).waitFor();

    await page.getByRole('button', { name: 'New sub-purpose' }).click();
    await dialog.getByLabel('Code').fill('marketing.newsletter');
    await dialog.getByLabel('Name').fill('Newsletter');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Newsletter' }).waitFor();
    expect(await page.getByRole('list', { name: /Register/ }).innerText()).toMatch(
      /Marketing[\s\S]*Newsletter/,
    );

    // A bad value comes back on its field.
    await page.getByRole('button', { name: 'Edit' }).click();
    const retention = dialog.getByLabel(/Retention period/);
    await retention.fill('three years');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText(/Refused:/).waitFor();
    // On the field itself: marked invalid and described by the message.
    expect(await retention.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await retention.getAttribute('aria-describedby')) ?? '';
    const described = await Promise.all(
      describedBy
        .split(/\s+/)
        .filter(Boolean)
        .map((id) => page.locator(`[id="${id}"]`).innerText()),
    );
    expect(described.join(' ')).toMatch(/Refused:/);
    await expectNoSeriousViolations(page);

    // Someone else changes the purpose meanwhile: the save is refused as stale.
    await t
      .as(Role.Dpo)
      .patch('/purposes/marketing.newsletter')
      .send({ description: 'Changed elsewhere' })
      .expect(200);
    await dialog.getByLabel(/Retention period/).fill('P3Y');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('changed by someone else').waitFor();
    // The form closes on a conflict; axe must see the page, not the dialog fading out.
    await dialog.waitFor({ state: 'hidden' });
    await expectNoSeriousViolations(page);

    expect(await storedEverywhere(page)).not.toContain(t.keys[Role.Dpo]!);
    expect(await storedEverywhere(page)).not.toContain('finalite_session');

    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    expect(cookie).toContain('finalite_session=');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    await expectNoSeriousViolations(page);
    // The old cookie, replayed by hand, no longer opens anything.
    await request(t.app.getHttpServer()).get('/auth/session').set('Cookie', cookie).expect(401);
    await request(t.app.getHttpServer()).get('/purposes').set('Cookie', cookie).expect(401);
    await context.close();
    // A whole journey in a browser on a machine shared with other work: more than the default 60 s.
  }, 240_000);

  it('an admin signs in with the bootstrap key, creates a DPO and reads its key once; the DPO then signs in with it', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await signIn(page, t.keys[Role.Admin]!);
    await page.getByRole('heading', { name: 'Principals' }).waitFor();
    await expectNoSeriousViolations(page);

    await page.getByRole('button', { name: 'New principal' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Claire (DPO)');
    await dialog.getByLabel('DPO').check();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByText(/shown only once/).waitFor();
    await dialog.waitFor({ state: 'hidden' });
    await expectNoSeriousViolations(page);
    const key = await page.getByTestId('new-key').innerText();
    expect(key).toMatch(/^fin_/);
    expect(await storedEverywhere(page)).not.toContain(key);
    await page.getByRole('cell', { name: 'Claire (DPO)' }).waitFor();
    // Once read and dismissed, the key is nowhere on the page any more.
    await page.getByRole('button', { name: 'Close' }).click();
    expect(await page.content()).not.toContain(key);
    await context.close();

    const dpoContext = await browser.newContext({ locale: 'en-GB' });
    const dpoPage = await dpoContext.newPage();
    await signIn(dpoPage, key);
    await dpoPage.getByText('Signed in as Claire (DPO)').waitFor();
    // Role-aware navigation: the DPO has no Principals entry.
    await dpoPage.getByRole('link', { name: 'Register', exact: true }).waitFor();
    expect(await dpoPage.getByRole('link', { name: 'Principals' }).count()).toBe(0);
    await dpoContext.close();
  });

  it('a DPO drafts a purpose from a CNIL preset, in French: the retention is filled and the preset recorded', async () => {
    const context = await browser.newContext({ locale: 'fr-FR' });
    const page = await context.newPage();
    await signIn(page, t.keys[Role.Dpo]!);
    await page.getByRole('button', { name: 'Nouvelle finalité' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('combobox', { name: 'Partir d’un modèle CNIL', exact: true }).click();
    await page.getByRole('option', { name: 'Prospects', exact: true }).click();
    await dialog.getByText(/3 ans à compter de la collecte/).waitFor();
    expect(await dialog.getByLabel(/Durée de conservation/).inputValue()).toBe('P3Y');
    await dialog.getByLabel('Code').fill('prospection');
    await dialog.getByLabel('Nom').fill('Prospection');
    await dialog.getByRole('button', { name: 'Enregistrer' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const saved = await t.as(Role.Dpo).get('/purposes/prospection').expect(200);
    expect(saved.body).toMatchObject({
      presetCode: 'cnil.prospects',
      retention: { duration: 'P3Y', trigger: 'last_interaction' },
    });
    await expectNoSeriousViolations(page);
    await context.close();
  }, 120_000);

  it('a DPO drafts a purpose with an intermediate archive from a preset, and editing it keeps the archive (FR)', async () => {
    const context = await browser.newContext({ locale: 'fr-FR' });
    const page = await context.newPage();
    await signIn(page, t.keys[Role.Dpo]!);
    await page.getByRole('button', { name: 'Nouvelle finalité' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('combobox', { name: 'Partir d’un modèle CNIL', exact: true }).click();
    await page.getByRole('option', { name: 'Preuve du contrat', exact: true }).click();
    const archive = dialog.getByLabel(/Archive intermédiaire ensuite/);
    expect(await archive.inputValue()).toBe('P5Y');
    expect(await dialog.getByLabel(/Motif légal de l’archivage/).inputValue()).toMatch(/2224/);
    await dialog.getByLabel('Code').fill('contrats.preuve');
    await dialog.getByLabel('Nom').fill('Preuve des contrats');
    await dialog.getByRole('button', { name: 'Enregistrer' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const saved = await t.as(Role.Dpo).get('/purposes/contrats.preuve').expect(200);
    expect(saved.body.retention.archive).toEqual({
      duration: 'P5Y',
      legalReason: expect.stringMatching(/2224/),
    });

    // Another field edited: the archive phase is sent back as declared, not dropped.
    await page.getByRole('button', { name: /Preuve des contrats/ }).click();
    await page.getByRole('button', { name: 'Modifier' }).click();
    expect(await dialog.getByLabel(/Archive intermédiaire ensuite/).inputValue()).toBe('P5Y');
    await dialog.getByLabel('Nom').fill('Preuve des contrats clients');
    await dialog.getByRole('button', { name: 'Enregistrer' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const edited = await t.as(Role.Dpo).get('/purposes/contrats.preuve').expect(200);
    expect(edited.body.name).toBe('Preuve des contrats clients');
    expect(edited.body.retention.archive).toEqual(saved.body.retention.archive);
    await expectNoSeriousViolations(page);
    await context.close();
  }, 120_000);

  it('an auditor sees the register read-only, in French when the browser asks for it', async () => {
    const context = await browser.newContext({ locale: 'fr-FR' });
    const page = await context.newPage();
    // Its own purpose, so that this journey does not lean on the DPO's.
    await t.as(Role.Dpo).post('/purposes').send({ code: 'hr', name: 'Ressources humaines' }).expect(201);
    await signIn(page, t.keys[Role.Auditor]!);
    await page.getByText('votre rôle ne permet pas de le modifier').waitFor();
    expect(await page.getByRole('button', { name: 'Nouvelle finalité' }).count()).toBe(0);
    await page.getByRole('button', { name: /Ressources humaines/ }).click();
    await page.getByRole('heading', { name: 'Ressources humaines' }).waitFor();
    expect(await page.getByRole('button', { name: 'Modifier' }).count()).toBe(0);
    await expectNoSeriousViolations(page);
    await context.close();
  });
});
