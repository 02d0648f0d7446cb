/// <reference lib="dom" />
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
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
/** Organisation, purpose history and register as code, in Debian's Chromium (issue 13). */
describe('Console: organisation, purpose history, register as code (browser)', () => {
  let harness: ConsoleHarness;
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let dir: string;

  beforeAll(async () => {
    harness = await startConsoleHarness();
    ({ t, browser, base } = harness);
    dir = mkdtempSync(join(tmpdir(), 'finalite-console-io-'));
  });
  afterAll(async () => {
    await harness?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const signIn = (page: Page, key: string) => signInAt(page, base, key);
  const fieldMessage = async (page: Page, label: string) => {
    const input = page.getByLabel(label, { exact: true });
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
    return (await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).innerText()))).join(' ');
  };

  it(
    'a DPO declares the organisation in French, sees the refusal on the right field in French; an auditor reads it',
    async () => {
      const context = await browser.newContext({ locale: 'fr-FR' });
      const page = await context.newPage();
      await signIn(page, t.keys[Role.Dpo]!);
      await page.getByRole('link', { name: 'Responsable du traitement' }).click();
      await page.getByText('pas encore déclaré').first().waitFor();
      await expectNoSeriousViolations(page);

      await page.getByLabel('Dénomination du responsable du traitement').fill('ACME SAS');
      await page.getByLabel('Adresse postale').fill('12 rue de la Paix\n75002 Paris');
      await page.getByRole('textbox', { name: /^Coordonnées( \*)?$/ }).fill('privacy@acme.example');
      await page.getByLabel('Nom du DPO').fill('Claire Martin');
      // The DPO's contact is left empty: the service refuses dpo.contact, and says so on that field.
      await page.getByRole('button', { name: 'Enregistrer le responsable du traitement' }).click();
      await page
        .getByText(/Valeur refusée/)
        .first()
        .waitFor();
      const message = await fieldMessage(page, 'Coordonnées du DPO');
      expect(message).toContain('Valeur refusée : doit être un texte imprimable');
      expect(message).not.toMatch(/must/);
      await expectNoSeriousViolations(page);

      await page.getByLabel('Coordonnées du DPO').fill('dpo@acme.example');
      await page.getByRole('button', { name: 'Enregistrer le responsable du traitement' }).click();
      await page.getByText('La fiche du responsable du traitement est enregistrée.').waitFor();
      const saved = (await t.as(Role.Auditor).get('/register/organisation').expect(200)).body;
      expect(saved).toMatchObject({
        name: 'ACME SAS',
        dpo: { name: 'Claire Martin', contact: 'dpo@acme.example' },
        version: 1,
      });

      // Someone else changes it meanwhile: the next save is refused as stale, never overwriting theirs.
      await t
        .as(Role.Dpo)
        .put('/register/organisation')
        .send({
          name: 'ACME SAS',
          address: saved.address,
          contact: saved.contact,
          dpo: { name: 'Paul Durand', contact: 'paul@acme.example' },
        })
        .expect(200);
      await page.getByLabel('Nom du DPO').fill('Claire Martin-Dupont');
      await page.getByRole('button', { name: 'Enregistrer le responsable du traitement' }).click();
      await page.getByText('modifiée par quelqu’un d’autre').waitFor();
      expect((await t.as(Role.Auditor).get('/register/organisation').expect(200)).body.dpo.name).toBe(
        'Paul Durand',
      );
      await context.close();

      const auditor = await browser.newContext({ locale: 'en-GB' });
      const auditorPage = await auditor.newPage();
      await signIn(auditorPage, t.keys[Role.Auditor]!);
      await auditorPage.getByRole('link', { name: 'Organisation' }).click();
      await auditorPage.getByRole('cell', { name: /Paul Durand/ }).waitFor();
      expect(await auditorPage.getByRole('button', { name: /Save/ }).count()).toBe(0);
      expect(await auditorPage.getByRole('textbox').count()).toBe(0);
      await expectNoSeriousViolations(auditorPage);
      await auditor.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a DPO compares two versions of a purpose side by side and sees who changed what, when',
    async () => {
      const dpo = () => t.as(Role.Dpo);
      const input = purposeInput({
        code: 'history.newsletter',
        name: 'Newsletter',
        recipients: ['marketing team'],
      });
      await dpo().post('/purposes').send(input).expect(201);
      await dpo().patch('/purposes/history.newsletter').send({ name: 'Monthly newsletter' }).expect(200);
      await dpo()
        .patch('/purposes/history.newsletter')
        .send({ recipients: ['marketing team', 'e-mailing processor'] })
        .expect(200);
      const history = (await dpo().get('/purposes/history.newsletter/history').expect(200)).body;
      const actor = history.versions[1].actor.name as string;
      const purposeId = history.versions[0].purposeId as string;

      const context = await browser.newContext({ locale: 'en-GB' });
      const page = await context.newPage();
      await signIn(page, t.keys[Role.Dpo]!);
      await page.getByRole('link', { name: 'Register', exact: true }).click();
      await page.getByRole('button', { name: /Monthly newsletter/ }).click();
      await page.getByRole('link', { name: 'History' }).click();
      await page.getByRole('heading', { name: 'History of history.newsletter' }).waitFor();
      // By default the last two versions: only the recipients differ.
      const diff = page.getByTestId('history-diff');
      await diff.waitFor();
      expect(await diff.locator('tr[data-changed]').allInnerTexts()).toEqual([
        expect.stringMatching(/Recipients\s*changed\s*marketing team\s*marketing team, e-mailing processor/i),
      ]);
      await expectNoSeriousViolations(page);

      await page.getByLabel('Compare version').selectOption(`${purposeId}:1`);
      await page.getByRole('heading', { name: /Version 1 and version 3: 2 fields differ/ }).waitFor();
      const changed = await diff.locator('tr[data-changed]').allInnerTexts();
      expect(changed).toEqual([
        expect.stringMatching(/Name\s*changed\s*Newsletter\s*Monthly newsletter/i),
        expect.stringMatching(/Recipients\s*changed/i),
      ]);
      const between = await page.getByTestId('history-between').innerText();
      expect(between).toContain(`Version 2: updated by ${actor}`);
      expect(between).toMatch(/Version 3: updated by .*\(Recipients\)/);
      await expectNoSeriousViolations(page);
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a DPO imports a YAML file only after its dry run, warned of the purpose it would retire; then exports',
    async () => {
      const dpo = () => t.as(Role.Dpo);
      for (const code of ['io.keep', 'io.old']) {
        await dpo()
          .post('/purposes')
          .send(purposeInput({ code, name: code }))
          .expect(201);
        await dpo().post(`/purposes/${code}/activate`).expect(200);
      }
      const exported = parse(
        (await dpo().get('/register/export').query({ format: 'yaml' }).expect(200)).text,
      ) as {
        purposes: Record<string, unknown>[];
      };
      // The file drops io.old (so the import would retire it) and adds a draft.
      exported.purposes = [
        ...exported.purposes.filter((p) => p.code !== 'io.old'),
        { ...purposeInput({ code: 'io.new', name: 'Imported purpose' }), status: 'draft' },
      ];
      const file = join(dir, 'register.yaml');
      writeFileSync(file, stringify(exported));

      const context = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
      const page = await context.newPage();
      await signIn(page, t.keys[Role.Dpo]!);
      await page.getByRole('link', { name: 'Register as code' }).click();
      await page.getByRole('heading', { name: 'Register as code' }).waitFor();
      await expectNoSeriousViolations(page);

      const chooser = page.waitForEvent('filechooser');
      await page.getByRole('button', { name: 'Choose a YAML file' }).click();
      await (await chooser).setFiles(file);
      await page.getByText('Loaded: register.yaml').waitFor();
      // Nothing to apply before the dry run.
      expect(await page.getByRole('button', { name: 'Apply the import' }).count()).toBe(0);
      await page.getByRole('button', { name: 'Check (dry run)' }).click();
      const losses = page.getByTestId('import-losses');
      await losses.waitFor();
      expect(await losses.innerText()).toMatch(/1 purpose would be retired:\s*io\.old/);
      expect(await page.getByTestId('import-dry-run').innerText()).toContain('io.new');
      // The dry run wrote nothing.
      expect((await dpo().get('/purposes/io.old').expect(200)).body.status).toBe('active');
      await dpo().get('/purposes/io.new').expect(404);
      await expectNoSeriousViolations(page);

      const apply = page.getByRole('button', { name: 'Apply the import' });
      expect(await apply.isDisabled()).toBe(true);
      await page.getByLabel(/I have read what would be retired/).check();
      await apply.click();
      await page.getByText('The import is applied.').waitFor();
      expect((await dpo().get('/purposes/io.old').expect(200)).body.status).toBe('retired');
      expect((await dpo().get('/purposes/io.new').expect(200)).body).toMatchObject({ status: 'draft' });
      await expectNoSeriousViolations(page);

      // A broken document is refused with its problems listed, and nothing applied.
      await page.getByLabel('YAML document').fill('format: finalite.register/v1\npurposes: 3\nsystems: []\n');
      await page.getByRole('button', { name: 'Check (dry run)' }).click();
      await page.getByText('The register has problems: nothing was changed.').waitFor();
      expect(await page.getByTestId('import-problems').innerText()).toMatch(/purposes/);

      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download YAML' }).click();
      const saved = join(dir, 'exported.yaml');
      await (await download).saveAs(saved);
      const doc = parse(readFileSync(saved, 'utf8')) as { purposes: { code: string; status: string }[] };
      expect(doc.purposes.find((p) => p.code === 'io.new')?.status).toBe('draft');
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );
});
