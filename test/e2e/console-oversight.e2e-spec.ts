/// <reference lib="dom" />
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { Client } from 'pg';
import type { Browser, Download, Page } from 'playwright-core';
import { AuditIntegrityService } from '../../src/modules/audit/audit-integrity.service';
import { Role } from '../../src/policies/role.enum';
import {
  expectNoSeriousViolations,
  signIn as signInAt,
  startConsoleHarness,
  type ConsoleHarness,
} from '../utils/console-browser';
import { createCrm, Crm, insertCustomers, registerCrm } from '../utils/crm-fixture';
import { waitForRun } from '../utils/retention-run-polling';
import { pdfText } from '../utils/documents';
import { connectTo } from '../utils/test-database';
import type { TestApp } from '../utils/test-app';

const YEAR = 365;

/**
 * The console's oversight screens (dashboard, audit trail, reports) in Debian's Chromium against
 * the real service on PostgreSQL, with a real CRM table for retention (issue 14).
 */
describe('Console oversight screens in a browser', () => {
  let harness: ConsoleHarness;
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let crm: Crm;
  let db: Client;

  beforeAll(async () => {
    harness = await startConsoleHarness({ env: { RETENTION_SCHEDULER: 'off' } });
    ({ t, browser, base } = harness);
    db = await connectTo(t.databaseUrl!);
    crm = await createCrm('oversight');
    await insertCustomers(crm, [
      { id: 1, ref: 'cust-A', createdDaysAgo: YEAR, lastInteractionDaysAgo: 30 }, // kept
      { id: 2, ref: 'cust-B', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 4 * YEAR }, // overdue
      { id: 3, ref: 'cust-C', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 5 * YEAR }, // overdue
      { id: 4, ref: 'cust-D', createdDaysAgo: 2 * YEAR, lastInteractionDaysAgo: 2 * YEAR }, // support over
    ]);
    await registerCrm(t, crm);
    // Decisions for the chart: allowed and refused.
    await t.authoriseApplication(['crm.support']);
    for (const fields of [['crm.customers.email'], ['crm.customers.email'], ['crm.customers.postcode']]) {
      await t
        .as(Role.Application)
        .post('/access/check')
        .send({ purpose: 'crm.support', action: 'read', fields })
        .expect(200);
    }
    await t.app.get(AuditIntegrityService).createCheckpoint();
  });
  afterAll(async () => {
    await db?.end();
    await harness?.close();
    await crm?.close();
  });

  const signIn = (page: Page, key: string) => signInAt(page, base, key);
  const open = async (page: Page, nav: string, heading: string) => {
    // Keyboard: the navigation link is reached and followed without a mouse.
    await page.getByRole('navigation').getByRole('link', { name: nav }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  };
  const saved = async (download: Download) => readFile(await download.path());
  const downloadFrom = async (page: Page, link: string): Promise<{ body: Buffer; name: string }> => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: link }).click(),
    ]);
    return { body: await saved(download), name: download.suggestedFilename() };
  };
  const overdueFromApi = async () =>
    (
      (await t.as(Role.Dpo).get('/retention/overdue').expect(200)).body.items as {
        measurable: boolean;
        dueRows: number | null;
      }[]
    ).reduce((sum, d) => sum + (d.measurable && d.dueRows ? d.dueRows : 0), 0);

  it('an auditor (French) sees the compliance posture on the dashboard', async () => {
    const context = await browser.newContext({ locale: 'fr-FR' });
    const page = await context.newPage();
    await signIn(page, t.keys[Role.Auditor]!);

    await open(page, 'Tableau de bord', 'État de conformité');
    await page.getByTestId('overdue-total').waitFor();
    expect(Number(await page.getByTestId('overdue-total').innerText())).toBe(await overdueFromApi());
    const chain = page.getByTestId('chain-card');
    await chain.getByText('Vérifié', { exact: true }).waitFor();
    expect(await chain.innerText()).toMatch(/Dernier point de contrôle signé : événement n° \d+/);
    // The chart's chunk loads under the console's CSP and draws (SVG renderer).
    await page.getByTestId('decisions-chart').locator('svg').waitFor();
    expect(await page.getByTestId('decisions-total').textContent()).toBe('3 décisions');
    await expectNoSeriousViolations(page);

    await context.close();
  }, 120_000);

  it('an auditor (French) verifies the chain, reads the checkpoints and exports them', async () => {
    const context = await browser.newContext({ locale: 'fr-FR' });
    const page = await context.newPage();
    await signIn(page, t.keys[Role.Auditor]!);
    await open(page, 'Journal d’audit', 'Journal d’audit');
    await page.getByRole('button', { name: 'Vérifier la chaîne' }).focus();
    await page.keyboard.press('Enter');
    const result = page.getByTestId('verify-result');
    await result.waitFor();
    expect(await result.getAttribute('data-verdict')).toBe('intact');
    expect(await result.innerText()).toContain('Le journal d’audit est intègre.');
    expect(await result.innerText()).toMatch(/point\(s\) de contrôle signé\(s\) concordent avec la chaîne/);
    await page.getByTestId('checkpoints-table').waitFor();
    await page.getByTestId('events-table').waitFor();
    // Read-only: nothing on the screen changes the trail.
    expect(await page.getByRole('button', { name: /Supprimer|Modifier/ }).count()).toBe(0);
    await expectNoSeriousViolations(page);
    const checkpoints = await downloadFrom(page, 'Points de contrôle (NDJSON)');
    const lines = checkpoints.body
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[0]).toHaveProperty('signature');

    await context.close();
  }, 120_000);

  it('an auditor (French) downloads the register as PDF and CSV and the integrity report', async () => {
    const context = await browser.newContext({ locale: 'fr-FR' });
    const page = await context.newPage();
    await signIn(page, t.keys[Role.Auditor]!);
    await open(page, 'Rapports', 'Rapports');
    await expectNoSeriousViolations(page);
    // The register in French: the language defaults to the console's.
    const pdf = await downloadFrom(page, 'Télécharger en PDF');
    expect(pdf.name).toMatch(/^finalite-ropa-\d{4}-\d{2}-\d{2}\.pdf$/);
    expect(pdf.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = await pdfText(pdf.body);
    expect(text).toContain('Registre des activités de traitement');
    expect(text).toContain('crm.support');

    const csv = await downloadFrom(page, 'Télécharger en CSV');
    const rows = parse<Record<string, string>>(csv.body, { bom: true, columns: true, delimiter: ';' });
    expect(new Set(rows.map((r) => Object.values(r)[0]))).toEqual(
      new Set(['billing.records', 'crm.support', 'marketing.newsletter']),
    );

    await page.getByText('Intégrité', { exact: true }).click();
    await page.getByRole('button', { name: 'Aperçu' }).click();
    await page
      .getByTestId('report-preview')
      .getByText(/La chaîne se vérifie/)
      .waitFor();
    await expectNoSeriousViolations(page);
    const integrity = await downloadFrom(page, 'Télécharger en PDF');
    expect(integrity.name).toMatch(/^finalite-integrity-.*\.pdf$/);
    expect(integrity.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(await pdfText(integrity.body)).toMatch(/intégrité/i);
    // No CSV is offered for the integrity certificate (the service has none).
    expect(await page.getByRole('link', { name: 'Télécharger en CSV' }).count()).toBe(0);
    await context.close();
    // Browser journeys on a shared 2-core machine: more than the default 60 s.
  }, 120_000);

  it('a DPO (English) watches the overdue count drop after a real retention run on the CRM table', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await signIn(page, t.keys[Role.Dpo]!);
    await open(page, 'Dashboard', 'Compliance posture');
    const before = await overdueFromApi();
    expect(before).toBeGreaterThan(0);
    await page.getByTestId('overdue-total').waitFor();
    expect(Number(await page.getByTestId('overdue-total').innerText())).toBe(before);
    expect(await page.getByRole('region', { name: 'Data overdue for purge' }).innerText()).toMatch(/crm/);
    await expectNoSeriousViolations(page);

    const created = await t.as(Role.Dpo).post('/retention/runs').send({ dryRun: false }).expect(202);
    const run = await waitForRun(t, created.body.id as string);
    expect(run.status).toBe('completed');
    expect(run.totals.deleted + run.totals.anonymised).toBeGreaterThan(0);

    await page.reload();
    await page.getByTestId('overdue-total').waitFor();
    const after = await overdueFromApi();
    expect(after).toBeLessThan(before);
    expect(Number(await page.getByTestId('overdue-total').innerText())).toBe(after);
    const runs = page.getByTestId('runs-table');
    await runs.getByText('Completed').first().waitFor();
    expect(await runs.innerText()).toContain(
      `${run.totals.deleted} / ${run.totals.anonymised} / ${run.totals.held}`,
    );
    await context.close();
  }, 120_000);

  it('an application key is told it cannot sign in to the console', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${base}/console/`);
    await page.getByLabel('API key').fill(t.keys[Role.Application]!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('An application key cannot sign in to the console.').waitFor();
    expect(await page.getByTestId('whoami').count()).toBe(0);
    await context.close();
  });

  describe('after a row of the trail is tampered with in the database', () => {
    let k: number;
    beforeAll(async () => {
      const { rows } = await db.query<{ seq: string }>(
        `SELECT seq FROM audit_event WHERE type = 'access.decision' ORDER BY seq LIMIT 1`,
      );
      k = Number(rows[0].seq);
      // As an attacker with database access: past the append-only triggers for this transaction.
      await db.query('BEGIN');
      await db.query('SET LOCAL session_replication_role = replica');
      await db.query(
        `UPDATE audit_event SET payload = jsonb_set(payload, '{tampered}', 'true') WHERE seq = $1`,
        [k],
      );
      await db.query('COMMIT');
    });

    for (const [locale, nav, verify, broken] of [
      ['en-GB', 'Audit trail', 'Verify the chain', 'The audit trail is broken at event K.'],
      ['fr-FR', 'Journal d’audit', 'Vérifier la chaîne', 'Le journal d’audit est rompu à l’événement n° K.'],
    ] as const) {
      it(`the audit screen shows the broken link (${locale})`, async () => {
        const context = await browser.newContext({ locale });
        const page = await context.newPage();
        await signIn(page, t.keys[Role.Auditor]!);
        await open(page, nav, nav);
        await page.getByRole('button', { name: verify }).click();
        const result = page.getByTestId('verify-result');
        await result.waitFor();
        expect(await result.getAttribute('data-verdict')).toBe('broken');
        expect(await result.innerText()).toContain(broken.replace('K', String(k)));
        const link = page.getByTestId('broken-link');
        expect(await link.innerText()).toContain(String(k));
        expect(await link.innerText()).toContain('hash_mismatch');
        await expectNoSeriousViolations(page);
        await context.close();
      }, 120_000);
    }
  });
});
