/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { consoleBuildDir } from '../../src/modules/console/console-static';
import { startTestApp, TestApp, type TestAppOptions } from './test-app';

/**
 * The console in Debian's Chromium against the real service on PostgreSQL (ADR 0043). Needs the
 * built console (web/dist): `npm run build` first, as .ci/run does. Never a browser download.
 */
export const CHROMIUM = '/usr/bin/chromium';

export interface ConsoleHarness {
  t: TestApp;
  browser: Browser;
  /** `http://127.0.0.1:<port>`: the app listens on a real port for the browser. */
  base: string;
  close(): Promise<void>;
}

export async function startConsoleHarness(options?: TestAppOptions): Promise<ConsoleHarness> {
  if (!existsSync(join(consoleBuildDir(), 'index.html'))) {
    throw new Error('web/dist is missing: run `npm run build` before the browser suite');
  }
  const t = await startTestApp(options);
  await t.app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  // Playwright gives every launch a fresh, throw-away user-data-dir.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    t,
    browser,
    base,
    async close() {
      await browser.close();
      await t.close();
    },
  };
}

export async function signIn(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/console/`);
  await page.getByLabel(/API key|Clé d’API/).fill(key);
  await page.getByRole('button', { name: /Sign in|Se connecter/ }).click();
  await page.getByTestId('whoami').waitFor();
}

/** axe on the current page: no serious or critical violation (issue 13's accessibility bar). */
export async function expectNoSeriousViolations(page: Page): Promise<void> {
  // Colours are judged at rest: a modal fading in blends its text with the overlay, and on a busy
  // machine axe could catch it half-way. Finite CSS transitions and animations are awaited first.
  await page.evaluate(async () => {
    // Two frames first: a transition about to start (mounted, not yet entering) is then running.
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    await Promise.all(
      document
        .getAnimations()
        .filter((a) => Number.isFinite(Number(a.effect?.getComputedTiming().endTime)))
        .map((a) => a.finished.catch(() => undefined)),
    );
  });
  const result = await new AxeBuilder({ page }).analyze();
  const serious = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id}: ${v.help} at ${v.nodes.map((n) => `${String(n.target)} (${n.failureSummary ?? ''})`).join('; ')}`,
    );
  expect(serious).toEqual([]);
}

/** Everything the page could have kept: web storage, IndexedDB names and readable cookies. */
export async function storedEverywhere(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const dump = (s: Storage) => JSON.stringify(Object.entries(s));
    const dbs = 'databases' in indexedDB ? await indexedDB.databases() : [];
    return [dump(localStorage), dump(sessionStorage), JSON.stringify(dbs), document.cookie].join('\n');
  });
}
