import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Chromium for the page tests (not a test file itself): Debian's build, one
 * browser per test file, and no network beyond the app under test.
 */

const executablePath = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new Error(`The page tests need Chromium at ${executablePath}: install it with "apt-get install -y chromium".`);
  }
  // Playwright refuses --user-data-dir in `args`; launch() gives every browser a fresh temporary profile of its own.
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Where "Exit this page" goes: GOV.UK's recommended page, answered here so that no request leaves the machine. */
export const exitUrl = 'https://www.bbc.co.uk/weather';

/**
 * A browser context that reaches only the app; the exit page gets a stand-in, anything else is refused.
 * Requests to `publicUrl` (the BASE_URL emails link to) are sent on to the app.
 */
export async function appContext(browser: Browser, appUrl: string, options: BrowserContextOptions = {}, publicUrl?: string): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${appUrl}/`)) return route.continue();
    if (publicUrl && url.startsWith(`${publicUrl}/`)) return route.fulfill({ status: 302, headers: { location: appUrl + url.slice(publicUrl.length) } });
    if (url.startsWith(exitUrl)) return route.fulfill({ contentType: 'text/html', body: '<!DOCTYPE html><title>BBC Weather</title><h1>Weather</h1>' });
    return route.abort('blockedbyclient');
  });
  return context;
}

/**
 * Collects the page's script errors and console errors (a Content-Security-Policy refusal is one).
 * Chromium also logs every 4xx page it is shown; those statuses are what the tests ask for, so they are left out.
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) errors.push(msg.text());
  });
  return errors;
}

/** Presses Tab until the focused element matches `selector`, as a keyboard user would. */
export async function tabTo(page: Page, selector: string, limit = 40): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: string[]; html: string; failureSummary?: string }[];
}

/**
 * GOV.UK Frontend's one known axe finding, kept on purpose: a radio that reveals content carries
 * aria-expanded, which ARIA does not list for radios but screen readers announce
 * (alphagov/govuk-frontend#979). Only that attribute on such a radio is let through.
 */
const isGovukRevealRadio = (v: AxeViolation, node: AxeViolation['nodes'][number]) =>
  v.id === 'aria-allowed-attr' &&
  /^<input class="govuk-radios__input"[^>]* aria-controls="conditional-/.test(node.html) &&
  /aria-expanded="(true|false)"/.test(node.failureSummary ?? '') &&
  !/aria-(?!expanded)[a-z]+="/.test(node.failureSummary ?? '');

/**
 * Runs axe-core on the page against WCAG 2.0, 2.1 and 2.2 A and AA and expects no violations.
 * axe is evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern.
 */
export async function expectAccessible(page: Page): Promise<void> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const results = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa'] } });
    return results.violations;
  });
  const found = violations
    .map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.filter((n) => !isGovukRevealRadio(v, n)) }))
    .filter((v) => v.nodes.length > 0)
    .map((v) => ({ ...v, nodes: v.nodes.map((n) => n.target) }));
  expect(found, `${page.url()}: ${await page.title()}`).toEqual([]);
}
