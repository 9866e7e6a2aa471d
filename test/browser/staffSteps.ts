import Database from 'better-sqlite3';
import { randomBytes, scryptSync } from 'node:crypto';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { expect } from 'vitest';
import { verifyPassword } from '../../src/auth/passwords.js';
import type { TestApp, TestUser } from '../support/harness.js';
import { appContext, expectAccessible, watchErrors } from './chromium.js';

/**
 * Steps for the staff pages in Chromium (not a test file itself): a signed-in
 * page per staff member, and the moves a practitioner makes on a case, by the
 * labels and links the pages show.
 */

export const password = 'correct horse battery staple';

export interface StaffPage {
  page: Page;
  errors: string[];
  user: TestUser;
  appUrl: string;
  /** Signs in (again: a session lapses when the test clock is moved past its idle time) and lands on `path`. */
  signIn: (path?: string) => Promise<void>;
  /** Opens a staff page, signing in again first if the session has lapsed. */
  visit: (path: string) => Promise<number>;
}

export const heading = async (page: Page) => (await page.locator('h1').first().textContent())!.replace(/\s+/g, ' ').trim();

/** The page in front of the browser: its heading, its title (with "Error: " when it shows errors), and axe. */
export async function check(page: Page, h1: string | RegExp, { error = false } = {}): Promise<void> {
  if (typeof h1 === 'string') expect(await heading(page)).toBe(h1);
  else expect(await heading(page)).toMatch(h1);
  expect(await page.title()).toMatch(new RegExp(`^${error ? 'Error: ' : '(?!Error: )'}.+ – Northshire Restorative Justice Service$`));
  await expectAccessible(page);
}

/**
 * Stores the test users' password as a cheaper scrypt hash (N = 2^10 instead of 2^17). A stored
 * hash carries its own parameters, so signing in through the form works as before, in a few
 * milliseconds instead of a second or more of this machine's two cores for every sign-in.
 */
export async function cheapPasswords(app: TestApp, users: TestUser[]): Promise<void> {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize('NFKC'), salt, 64, { N: 1024, r: 8, p: 1 });
  const hash = ['scrypt', 1024, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
  // The format is the app's own: its check accepts it.
  expect(await verifyPassword(password, hash)).toBe(true);
  const db = new Database(app.dbPath);
  try {
    db.pragma('busy_timeout = 5000');
    const update = db.prepare('UPDATE users SET password_hash = ? WHERE email = ?');
    for (const user of users) expect(update.run(hash, user.email).changes, user.email).toBe(1);
  } finally {
    db.close();
  }
}

/** Fills the sign-in form and sends it; `returnTo` is where the app sends the browser after. */
export async function signInThrough(page: Page, appUrl: string, email: string, pass = password, returnTo?: string): Promise<void> {
  if (!page.url().includes('/sign-in')) await page.goto(`${appUrl}/sign-in${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`, { waitUntil: 'domcontentloaded' });
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(pass);
  await Promise.all([page.waitForEvent('domcontentloaded'), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** A browser context of its own for one staff member, signed in. */
export async function staffPage(browser: Browser, appUrl: string, user: TestUser, options: BrowserContextOptions = {}, publicUrl?: string): Promise<StaffPage> {
  const context = await quickContext(browser, appUrl, options, publicUrl);
  const page = await context.newPage();
  const errors = watchErrors(page);
  // The status of the last page the browser was shown (a redirect is followed to the page it leads to).
  let shownStatus = 0;
  page.on('response', (r) => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame() && !(r.status() >= 300 && r.status() < 400)) shownStatus = r.status();
  });
  const signIn = async (path = '/') => {
    await page.goto(`${appUrl}/sign-in?returnTo=${encodeURIComponent(path)}`, { waitUntil: 'domcontentloaded' });
    // A browser still signed in is sent straight on.
    if (new URL(page.url()).pathname === '/sign-in') await signInThrough(page, appUrl, user.email);
    expect(new URL(page.url()).pathname).toBe(path.split('?')[0]);
  };
  const visit = async (path: string) => {
    const response = await page.goto(appUrl + path, { waitUntil: 'domcontentloaded' });
    if (new URL(page.url()).pathname === '/sign-in') {
      await signInThrough(page, appUrl, user.email);
      expect(new URL(page.url()).pathname).toBe(path.split('?')[0]);
      return shownStatus;
    }
    return response!.status();
  };
  await signIn('/');
  return { page, errors, user, appUrl, signIn, visit };
}

const assetCache = new Map<string, { status: number; headers: Record<string, string>; body: Buffer }>();

/**
 * appContext, with the app's static assets (GOV.UK Frontend's styles, script and fonts) kept in
 * memory after their first fetch: the app sends them with no-store, so the browser would fetch
 * them again for every page, and the app shares this process (and its two cores) with the test.
 */
export async function quickContext(browser: Browser, appUrl: string, options: BrowserContextOptions = {}, publicUrl?: string): Promise<BrowserContext> {
  const context = await appContext(browser, appUrl, options, publicUrl);
  await context.route(`${appUrl}/assets/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    let cached = assetCache.get(path);
    if (!cached) {
      const response = await route.fetch();
      cached = { status: response.status(), headers: response.headers(), body: await response.body() };
      if (cached.status === 200) assetCache.set(path, cached);
    }
    await route.fulfill(cached);
  });
  return context;
}

/** Opens the case page and follows its "What can happen next" link for `type`; fails if it is not offered. */
export async function openStep(staff: StaffPage, caseId: string, type: string): Promise<void> {
  const { page } = staff;
  // From the case page a step has just led back to (its banner says so), the link is followed at once;
  // any other page, even this case's, may be out of date.
  const justStepped = new URL(page.url()).pathname === `/cases/${caseId}` && (await page.locator('.govuk-notification-banner--success').count()) > 0;
  if (!justStepped) await staff.visit(`/cases/${caseId}`);
  const link = page.locator(`[data-offer] a[data-event="${type}"]`);
  if ((await link.count()) !== 1) expect.fail(`${type} is not offered on ${await heading(page)}: ${(await offeredOn(page)).join(', ')}`);
  await Promise.all([page.waitForEvent('domcontentloaded'), link.click()]);
  if (new URL(page.url()).pathname === '/sign-in') await signInThrough(page, staff.appUrl, staff.user.email);
  expect(new URL(page.url()).pathname).toBe(`/cases/${caseId}/events/${type}`);
}

/** The events the case page in front of the browser offers, as the API names them. */
export const offeredOn = (page: Page) => page.locator('[data-offer] a[data-event]').evaluateAll((as) => as.map((a) => a.getAttribute('data-event')!).sort());

/** Presses the form's main button and waits for the page it leads to. */
export async function press(page: Page, name: string): Promise<void> {
  await Promise.all([page.waitForEvent('domcontentloaded'), page.getByRole('button', { name, exact: true }).click()]);
}

/** Sends a form that is recorded at once; expects the case page with its "Success" banner. */
export async function save(page: Page, name = 'Save'): Promise<string> {
  await press(page, name);
  return flash(page);
}

/** Continues to "Check your answers", then confirms: expects the case page with its banner. Returns the rows checked. */
export async function checkAndConfirm(page: Page): Promise<{ title: string; rows: Record<string, string>; banner: string }> {
  await press(page, 'Continue');
  const title = await heading(page);
  if (!title.startsWith('Check your answers: ')) expect.fail(`not "Check your answers" but: ${await page.locator('main').innerText()}`);
  const rows = await summaryRows(page);
  await press(page, 'Confirm and record it');
  return { title, rows, banner: await flash(page) };
}

/** The "Success" banner of the case page the step led to. */
export async function flash(page: Page): Promise<string> {
  if (!/^\/cases\/[^/]+$/.test(new URL(page.url()).pathname)) expect.fail(`not a case page but ${page.url()}: ${await page.locator('main').innerText()}`);
  const banner = page.locator('.govuk-notification-banner--success');
  expect(await banner.count(), 'the success banner').toBe(1);
  return (await banner.innerText()).replace(/\s+/g, ' ').trim();
}

/** A summary list's rows as key → value. */
export async function summaryRows(page: Page, scope = 'main'): Promise<Record<string, string>> {
  const rows = await page.locator(`${scope} .govuk-summary-list__row`).evaluateAll((rs) =>
    rs.map((r) => [r.querySelector('.govuk-summary-list__key')?.textContent?.trim() ?? '', r.querySelector('.govuk-summary-list__value')?.textContent?.replace(/\s+/g, ' ').trim() ?? '']),
  );
  return Object.fromEntries(rows);
}

/** Fills a GOV.UK date input's boxes (and the time's, if given) by their ids. */
export async function fillDate(page: Page, id: string, date: string, time?: string): Promise<void> {
  const [year, month, day] = date.split('-');
  await page.locator(`#${id}-day`).fill(String(Number(day)));
  await page.locator(`#${id}-month`).fill(String(Number(month)));
  await page.locator(`#${id}-year`).fill(year!);
  if (time) {
    const [hour, minute] = time.split(':');
    await page.locator(`#${id}-hour`).fill(String(Number(hour)));
    await page.locator(`#${id}-minute`).fill(minute!);
  }
}

/** The case page's history, newest first: each entry's title and byline. */
export async function timeline(page: Page): Promise<string[]> {
  return page.locator('.moj-timeline__item').evaluateAll((items) =>
    items.map((i) => `${i.querySelector('.moj-timeline__title')?.textContent?.trim()} | ${i.querySelector('.moj-timeline__byline')?.textContent?.replace(/\s+/g, ' ').trim()}`),
  );
}

/** The error summary's messages. */
export const errorSummary = (page: Page) => page.locator('.govuk-error-summary__list a').evaluateAll((as) => as.map((a) => `${a.getAttribute('href')} ${a.textContent!.trim()}`));
