/// <reference lib="dom" />
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { Role } from '../../src/policies/role.enum';
import {
  expectNoSeriousViolations,
  signIn,
  startConsoleHarness,
  storedEverywhere,
  type ConsoleHarness,
} from '../utils/console-browser';
import { connectTo, createTestDatabase, type TestDatabase } from '../utils/test-database';

/**
 * The inventory screens in Debian's Chromium against the real service (issue 13, ADR 0046): a DPO
 * builds a register and data map from nothing, edits the matrix, scans a real PostgreSQL database;
 * an auditor reads it all; the matrix with 10,000 fields. The tests run in order and share state.
 */
describe('Console inventory in a browser', () => {
  let harness: ConsoleHarness;
  let target: TestDatabase;
  /** The customer database's URL with a password the page must never show (trust auth ignores it). */
  let connectionString: string;
  const SECRET = 'Sekr3t-never-shown';
  let dpo: { context: BrowserContext; page: Page };

  beforeAll(async () => {
    target = await createTestDatabase('console_scan');
    const db = await connectTo(target.url);
    try {
      await db.query(`CREATE TABLE customers (
        id bigint PRIMARY KEY, email text, phone text, health_notes text, loyalty_points int)`);
    } finally {
      await db.end();
    }
    const url = new URL(target.url);
    url.password = SECRET;
    connectionString = url.toString();
    harness = await startConsoleHarness();
    const context = await harness.browser.newContext({ locale: 'en-GB' });
    dpo = { context, page: await context.newPage() };
    await signIn(dpo.page, harness.base, harness.t.keys[Role.Dpo]!);
  });
  afterAll(async () => {
    await harness?.close();
    await target?.drop();
  });

  const nav = async (page: Page, name: string) => {
    await page.getByRole('navigation').getByRole('link', { name }).click();
    // The pointer leaves the link: axe judges the screen, not the navigation link under the mouse.
    await page.mouse.move(600, 5);
  };
  /** Chooses in a Mantine select, looked up within `scope` (a dialog: the page behind has filters too). */
  const pick = async (page: Page, scope: Page | Locator, label: string | RegExp, option: string) => {
    await scope.getByRole('combobox', { name: label, exact: true }).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  };

  it('a DPO declares and activates a purpose in the register', async () => {
    const { page } = dpo;
    await page.getByRole('button', { name: 'New purpose' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^Code/).fill('sales');
    await dialog.getByLabel(/^Name/).fill('Sales');
    await pick(page, dialog, 'Legal basis', 'Contract (art. 6(1)(b))');
    await dialog.getByLabel(/^Controller/).fill('ACME SAS');
    await dialog.getByLabel(/^Categories of data subjects/).fill('customers');
    await dialog.getByLabel(/Retention period/).fill('P5Y');
    await pick(page, dialog, 'Retention starts at', 'End of the contract');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Activate' }).click();
    await page.getByRole('button', { name: 'Retire' }).waitFor();
  });

  it('a DPO declares a system with a write-only connection string, a dataset and two fields', async () => {
    const { page } = dpo;
    await nav(page, 'Inventory');
    await page.getByRole('heading', { name: 'Inventory' }).waitFor();
    await expectNoSeriousViolations(page);

    await page.getByRole('button', { name: 'New system' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^Code/).fill('crm');
    await dialog.getByLabel(/^Name/).fill('CRM');
    await dialog.getByLabel(/Connection string/).fill(connectionString);
    await expectNoSeriousViolations(page);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('Connection string stored').waitFor();

    // Editing shows that one is stored, never what it is.
    await page.getByRole('button', { name: 'Edit CRM' }).click();
    await dialog.getByText(/A connection string is stored/).waitFor();
    expect(await dialog.getByLabel(/Connection string/).inputValue()).toBe('');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'CRM', exact: true }).click();
    await page.getByRole('button', { name: 'New dataset' }).click();
    await dialog.getByLabel(/Table/).fill('public.customers');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'public.customers', exact: true }).click();

    for (const [column, category] of [
      ['email', 'Contact details'],
      ['health_notes', 'Health (art. 9)'],
    ]) {
      await page.getByRole('button', { name: 'New field' }).click();
      await dialog.getByLabel(/^Column/).fill(column);
      await pick(page, dialog, 'Data category', category);
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.waitFor({ state: 'hidden' });
    }
    const fields = page.getByRole('table', { name: 'Fields of public.customers' });
    await fields.getByRole('cell', { name: 'health_notes', exact: true }).waitFor();
    expect(await fields.innerText()).toMatch(/email[\s\S]*Contact details[\s\S]*health_notes[\s\S]*Health/);
    await expectNoSeriousViolations(page);
  });

  it('a DPO binds fields in the matrix, edits a binding, and is refused an art. 9 binding with the service’s message', async () => {
    const { page } = dpo;
    await nav(page, 'Fields × purposes');
    const emailCell = page.getByRole('button', { name: 'Binding of crm.customers.email to sales: —' });
    await emailCell.click();
    await page.getByRole('checkbox', { name: 'read' }).check();
    await expectNoSeriousViolations(page);
    await page.getByRole('button', { name: 'Save' }).click();
    const bound = page.getByRole('button', { name: 'Binding of crm.customers.email to sales: read' });
    await bound.waitFor();
    // The effective retention, in words, once an active purpose keeps the field.
    const emailRow = page.getByRole('row', { name: /crm\.customers\.email/ });
    await emailRow.getByText('5 years from the end of the contract').waitFor();

    // Edit it in place: add an action and an obligation.
    await bound.click();
    await page.getByRole('checkbox', { name: 'write' }).check();
    await pick(page, page, 'Obligation', 'masked');
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('button', { name: 'Binding of crm.customers.email to sales: read, write (masked)' })
      .waitFor();

    // Health data needs an art. 9(2) condition the purpose does not record: the service says so.
    await page.getByRole('button', { name: 'Binding of crm.customers.health_notes to sales: —' }).click();
    await page.getByRole('checkbox', { name: 'read' }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /must record an art\. 9\(2\) condition/ })
      .waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(
      await page.getByRole('button', { name: 'Binding of crm.customers.health_notes to sales: —' }).count(),
    ).toBe(1);
    await expectNoSeriousViolations(page);
  });

  it('a DPO scans the real database and registers a finding in two clicks', async () => {
    const { page } = dpo;
    await nav(page, 'Inventory');
    await page.getByRole('button', { name: 'Scan CRM' }).click();
    await page.getByRole('button', { name: 'Scan now' }).click();
    const findings = page.getByRole('table', { name: 'Columns not registered' });
    await findings.waitFor();
    // The phone number is ticked for registration, the loyalty points are not.
    expect(await page.getByRole('checkbox', { name: 'Register public.customers.phone' }).isChecked()).toBe(
      true,
    );
    expect(
      await page.getByRole('checkbox', { name: 'Register public.customers.loyalty_points' }).isChecked(),
    ).toBe(false);
    await expectNoSeriousViolations(page);
    await page.getByRole('button', { name: 'Register 1 column' }).click();
    await page.getByRole('status').filter({ hasText: 'Registered: crm.customers.phone' }).waitFor();
    const res = await harness.t.as(Role.Dpo).get('/fields/crm.customers.phone').expect(200);
    expect(res.body.dataCategory).toBe('contact');
  });

  it('a DPO reads the data map, filtered by purpose and by data category, and reaches nodes by keyboard', async () => {
    const { page } = dpo;
    await nav(page, 'Data map');
    const list = page.getByRole('list', { name: 'The data map as a list' });
    await page.getByText('The data map as a list').click();
    await list.getByText(/Dataset: public\.customers → Field: phone/).waitFor();
    await expectNoSeriousViolations(page);

    await pick(page, page, 'Purpose', 'Sales (sales)');
    await list.getByText(/Field: email \(Contact details\) → Purpose: Sales/).waitFor();
    await list.getByText(/Field: phone/).waitFor({ state: 'detached' });
    expect(await list.innerText()).not.toMatch(/health_notes/);

    // A fresh visit starts unfiltered.
    await page.reload();
    await page.getByText('The data map as a list').click();
    await pick(page, page, 'Data category', 'Health (art. 9)');
    await list.getByText(/Dataset: public\.customers → Field: health_notes/).waitFor();
    expect(await list.innerText()).not.toMatch(/email|phone/);

    // Nodes are in the tab order, each named for a screen reader.
    const node = page.locator('.react-flow__node').first();
    expect(await node.getAttribute('tabindex')).toBe('0');
    await node.focus();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toMatch(
      /^System: CRM/,
    );
    await expectNoSeriousViolations(page);

    // The connection string is nowhere: not in any screen's page, not in the browser's storage.
    for (const screen of ['Inventory', 'Fields × purposes', 'Data map']) {
      await nav(page, screen);
      await page.getByRole('heading', { name: screen }).waitFor();
      expect(await page.content()).not.toContain(SECRET);
    }
    expect(await storedEverywhere(page)).not.toContain(SECRET);
    expect(await storedEverywhere(page)).not.toContain(target.url);
  });

  it('an auditor sees the inventory, the matrix and the data map read-only', async () => {
    const context = await harness.browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    try {
      await signIn(page, harness.base, harness.t.keys[Role.Auditor]!);
      await nav(page, 'Inventory');
      await page.getByText('Read-only: only a DPO changes the inventory.').waitFor();
      await page.getByRole('button', { name: 'CRM', exact: true }).click();
      await page.getByRole('button', { name: 'public.customers', exact: true }).click();
      await page
        .getByRole('table', { name: 'Fields of public.customers' })
        .getByText('health_notes')
        .waitFor();
      for (const name of ['New system', 'New dataset', 'New field', 'Scan CRM', 'Edit CRM', 'Delete CRM']) {
        expect(await page.getByRole('button', { name }).count()).toBe(0);
      }
      await expectNoSeriousViolations(page);

      await nav(page, 'Fields × purposes');
      const row = page.getByRole('row', { name: /crm\.customers\.email/ });
      await row.getByText('read, write (masked)').waitFor();
      expect(await page.getByRole('button', { name: /^Binding of/ }).count()).toBe(0);
      await expectNoSeriousViolations(page);

      await nav(page, 'Data map');
      await page
        .getByTestId('map-count')
        .filter({ hasText: /[1-9]\d* links/ })
        .waitFor();
      await expectNoSeriousViolations(page);
    } finally {
      await context.close();
    }
  });

  it('the matrix stays responsive with 10,000 fields: first rows, then more as one scrolls', async () => {
    const api = harness.t.as(Role.Dpo);
    await api.post('/systems').send({ code: 'bulk', name: 'Bulk', kind: 'manual' }).expect(201);
    await api
      .post('/systems/bulk/datasets')
      .send({ name: 'public.people', primaryKey: ['id'] })
      .expect(201);
    // The fastest path the suites use for volume: rows straight into the tables.
    const db = await connectTo(harness.t.databaseUrl!);
    try {
      await db.query(`
        INSERT INTO personal_field (key, dataset_id, column_name, data_category, special)
        SELECT 'bulk.people.c' || lpad(n::text, 5, '0'), d.id, 'c' || lpad(n::text, 5, '0'), 'contact', false
          FROM inventory_dataset d, generate_series(1, 10000) AS n WHERE d.name = 'public.people'`);
      await db.query(`
        INSERT INTO field_purpose (field_id, purpose_code, actions)
        SELECT id, 'sales', '["read"]'::jsonb FROM personal_field WHERE key LIKE 'bulk.%' AND right(key, 1) = '0'`);
    } finally {
      await db.end();
    }

    const { page } = dpo;
    await page.goto(`${harness.base}/console/`);
    await page.getByTestId('whoami').waitFor();
    const started = Date.now();
    await page.goto(`${harness.base}/console/matrix`);
    await page.getByRole('rowheader', { name: 'bulk.people.c00001' }).waitFor();
    console.log(`Matrix with 10,003 fields: first rows after ${Date.now() - started} ms`);

    // Only a screenful of rows is in the page, and only the first page was fetched.
    const rendered = await page.getByRole('rowheader').count();
    expect(rendered).toBeGreaterThan(0);
    expect(rendered).toBeLessThan(200);
    await page.getByTestId('matrix-count').filter({ hasText: '500 fields loaded' }).waitFor();
  });

  it('the 10,000-field matrix fetches the next page as one scrolls, and stays accessible', async () => {
    const { page } = dpo;
    const region = page.getByRole('region', { name: 'Fields × purposes' });
    await region.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    // Scrolled to the end of what is loaded, the next page comes.
    await page.waitForFunction(
      () => parseInt(document.querySelector('[data-testid="matrix-count"]')?.textContent ?? '0', 10) >= 1000,
    );
    await page
      .getByRole('rowheader', { name: /bulk\.people\.c00[4-9]\d\d/ })
      .first()
      .waitFor();
    expect(await page.getByRole('rowheader').count()).toBeLessThan(200);
    await expectNoSeriousViolations(page);
  });
});
