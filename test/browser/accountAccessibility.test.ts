import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, startApp, tempDir, type Staff, type TestApp } from '../support/harness.js';
import { launchChromium, watchErrors } from './chromium.js';
import { check, cheapPasswords, errorSummary, press, quickContext, signInThrough } from './staffSteps.js';

/**
 * The account pages in Chromium, with two-factor sign-in required as it is by default:
 * setting it up, the second step, the recovery codes, an admin's pages, a user's own
 * account and tokens, a new user's set-up link, and the back-off page; each with axe
 * (WCAG 2.2 AA), in its error states too, and no script error or CSP refusal.
 */
describe('the account and admin pages are accessible in Chromium', () => {
  const tmp = tempDir();
  let app: TestApp;
  let staff: Staff;
  let browser: Browser;

  beforeAll(async () => {
    const started = startApp(`${tmp.dir}/rj.sqlite`, undefined, { REQUIRE_2FA_FOR: 'supervisor,admin' }).then(async (a) => ({ a, s: await addStaff(a.services) }));
    [{ a: app, s: staff }, browser] = await Promise.all([started, launchChromium()]);
    await cheapPasswords(app, [staff.admin, staff.facilitator2, staff.supervisor2]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    tmp.remove();
  });

  const go = (page: Page, path: string) => page.goto(app.baseUrl + path, { waitUntil: 'domcontentloaded' });
  const codeNow = async (page: Page) => app.services.totp.codeAt((await page.locator('.app-secret-key').textContent())!.replace(/\s/g, ''), app.clock());

  it('setting up two-factor sign-in, the recovery codes, the second step and an admin’s pages', async () => {
    const page = await (await quickContext(browser, app.baseUrl)).newPage();
    const errors = watchErrors(page);
    await signInThrough(page, app.baseUrl, staff.admin.email);
    expect(new URL(page.url()).pathname).toBe('/account/two-factor');
    await check(page, 'Set up two-factor sign-in');
    await press(page, 'Set up two-factor sign-in');
    expect(await errorSummary(page)).toEqual(['#code Enter the 6-digit code your app shows now']);
    await check(page, 'Set up two-factor sign-in', { error: true });
    await page.locator('#code').fill(await codeNow(page));
    await press(page, 'Set up two-factor sign-in');
    await check(page, 'Two-factor sign-in is set up');
    expect(await page.locator('.app-recovery-codes li').count()).toBe(10);
    await Promise.all([page.waitForEvent('domcontentloaded'), page.getByRole('link', { name: /continue/ }).click()]);
    await check(page, 'Users');

    await go(page, '/admin/users/new');
    await check(page, 'Add a user');
    await press(page, 'Add the user');
    expect(await errorSummary(page)).toEqual(expect.arrayContaining(['#name Enter full name', '#role Select role']));
    await check(page, 'Add a user', { error: true });
    await page.locator('#name').fill('Nia New');
    await page.locator('#email').fill('nia@test.rj.local');
    await page.getByLabel('Facilitator', { exact: true }).check();
    await press(page, 'Add the user');
    await check(page, 'Nia New');
    await go(page, '/admin/access-failures');
    await check(page, 'Failed sign-ins and access');

    // The next sign-in asks for a code; a wrong one is refused.
    await go(page, '/account');
    await check(page, 'Your account');
    await Promise.all([page.waitForEvent('domcontentloaded'), page.getByRole('button', { name: 'Sign out here' }).click()]);
    await signInThrough(page, app.baseUrl, staff.admin.email);
    await check(page, 'Enter the code from your app');
    await page.locator('#code').fill('000000');
    await press(page, 'Continue');
    await check(page, 'Enter the code from your app', { error: true });
    expect(errors).toEqual([]);
  });

  it('a user’s own account: password, tokens; a set-up link and one that does not work; the back-off page', async () => {
    const page = await (await quickContext(browser, app.baseUrl)).newPage();
    const errors = watchErrors(page);
    await signInThrough(page, app.baseUrl, staff.facilitator2.email);
    await go(page, '/account/password');
    await check(page, 'Change your password');
    await press(page, 'Change password');
    await check(page, 'Change your password', { error: true });
    await go(page, '/account/two-factor');
    await page.locator('#code').fill(await codeNow(page));
    await press(page, 'Set up two-factor sign-in');
    await go(page, '/account/tokens');
    await check(page, 'Your API tokens');
    await go(page, '/account/tokens/new');
    await check(page, 'Issue an API token');
    await press(page, 'Issue the token');
    await check(page, 'Issue an API token', { error: true });
    await page.locator('#label').fill('Weekly export');
    await press(page, 'Issue the token');
    await check(page, 'Your new API token');

    const invited = await app.services.users.inviteUser({ name: 'Sam Setup', email: 'sam@test.rj.local', role: 'supervisor' });
    expect(invited.ok).toBe(true);
    const db = new Database(app.dbPath, { readonly: true });
    const linkId = (JSON.parse(db.prepare("SELECT data FROM account_notices WHERE template = 'account_setup' ORDER BY created_at DESC LIMIT 1").pluck().get() as string) as { linkId: string }).linkId;
    db.close();
    const anonymous = await (await quickContext(browser, app.baseUrl)).newPage();
    await go(anonymous, `/account/set-up/${app.services.linkTokens.tokenFor(`setup:${linkId}`)}`);
    await check(anonymous, 'Choose your password');
    await anonymous.locator('#password').fill('too short');
    await press(anonymous, 'Save my password');
    await check(anonymous, 'Choose your password', { error: true });
    await go(anonymous, `/account/set-up/${'x'.repeat(43)}`);
    await check(anonymous, 'This link does not work');

    for (let i = 0; i < 7; i++) await signInThrough(anonymous, app.baseUrl, staff.supervisor2.email, 'not the password at all');
    await check(anonymous, 'Too many attempts to sign in');
    expect(errors).toEqual([]);
  });
});
