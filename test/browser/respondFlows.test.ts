import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseClient } from '../api/apiSteps.js';
import { addStaff, startApp, tempDir, type Staff, type TestApp } from '../support/harness.js';
import { invitedCase, linkToken } from '../web/partySteps.js';
import { appContext, exitUrl, launchChromium, tabTo, watchErrors } from './chromium.js';

describe('a victim uses the party pages in Chromium', () => {
  /** What the emails link to; the browser sends it on to the app's loopback port. */
  const publicUrl = 'http://rj.test';
  const tmp = tempDir();
  let app: TestApp;
  let staff: Staff;
  let browser: Browser;

  beforeAll(async () => {
    app = await startApp(`${tmp.dir}/rj.sqlite`, undefined, { BASE_URL: publicUrl });
    staff = await addStaff(app.services);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    tmp.remove();
  });

  const newPage = async (options = {}) => (await appContext(browser, app.baseUrl, options, publicUrl)).newPage();
  const supervisorView = (caseId: string) => caseClient(app, caseId).get(staff.supervisor.token);

  it('answers "not now" with a date using only the keyboard; the date appears only for that answer', async () => {
    const { caseId, token } = await invitedCase(app, staff);
    const page = await newPage();
    const errors = watchErrors(page);
    await page.goto(`${app.baseUrl}/respond/${token}`);

    await tabTo(page, 'button.govuk-button:not(.govuk-exit-this-page__button)');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Restorative justice: would you like to take part?');

    const reveal = page.locator('#conditional-response-3');
    await expect.poll(() => reveal.isHidden()).toBe(true);
    await tabTo(page, 'input[name=response]');
    // Arrow keys move through the radios: yes, more info, not now.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await page.locator('input[value=not_now]').isChecked()).toBe(true);
    expect(await reveal.isVisible()).toBe(true);
    expect(await page.locator('input[value=not_now]').getAttribute('aria-expanded')).toBe('true');

    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('reofferAfter-day');
    await page.keyboard.type('1');
    await page.keyboard.press('Tab');
    await page.keyboard.type('6');
    await page.keyboard.press('Tab');
    await page.keyboard.type('2027');
    await tabTo(page, 'button[type=submit]');
    await page.keyboard.press('Enter');

    await page.locator('.govuk-panel__title').waitFor();
    expect((await page.locator('.govuk-panel__title').textContent())!.trim()).toBe('Thank you for your answer');
    expect(await page.locator('main').textContent()).toContain('before Tuesday 1 June 2027');
    const c = await supervisorView(caseId);
    expect(c.state.open.consent.victim).toBe('notNow');
    expect(c.victimPreferences.reofferAfter).toBe('2027-06-01');
    expect(errors).toEqual([]);
  });

  it('a newcomer reads the invitation at /dev/mail and follows its link to the reply page', async () => {
    // Mail queued by other tests goes out first, so that this invitation is the newest on the list.
    await app.services.outbox.deliverDue();
    app.clock.advance(60_000);
    await invitedCase(app, staff);
    await app.services.outbox.deliverDue();
    const page = await newPage();
    const errors = watchErrors(page);
    await page.goto(`${app.baseUrl}/dev/mail`);
    await page.getByRole('link', { name: 'Would you like to take part in restorative justice?' }).first().click();
    await page.frameLocator('iframe').getByRole('link', { name: 'Reply to this invitation' }).click();
    await page.waitForURL(`${app.baseUrl}/respond/*`);
    expect(await page.locator('h1').textContent()).toBe('Reply to your invitation');
    expect(errors).toEqual([]);
  });

  it('withdraws in two steps: Continue, then confirm', async () => {
    const { caseId } = await invitedCase(app, staff);
    await caseClient(app, caseId).ok(staff.facilitator.token, { type: 'VICTIM_RESPONDED', response: 'yes' });
    const token = await linkToken(app, caseId, 'thank_you', 'withdrawal');
    const page = await newPage();
    const errors = watchErrors(page);

    await page.goto(`${app.baseUrl}/respond/${token}`);
    expect(await page.locator('h1').textContent()).toBe('Withdraw from restorative justice');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Withdraw my consent' }).waitFor();
    expect((await supervisorView(caseId)).withdrawn.victim).toBe(false);

    await page.getByLabel('Why are you withdrawing? (optional)').fill('Not ready to meet');
    await page.getByRole('button', { name: 'Withdraw my consent' }).click();
    await page.locator('.govuk-panel__title').waitFor();
    expect((await page.locator('.govuk-panel__title').textContent())!.trim()).toBe('You have withdrawn your consent');
    expect(await supervisorView(caseId)).toMatchObject({ state: 'closing', withdrawn: { victim: true } });
    expect(errors).toEqual([]);
  });

  it('"Exit this page" leaves at once, by click or by pressing Shift three times', async () => {
    const { token } = await invitedCase(app, staff);
    const page = await newPage();
    await page.goto(`${app.baseUrl}/respond/${token}`);
    await page.getByRole('button', { name: 'Emergency Exit this page' }).click();
    await page.waitForURL(exitUrl);
    expect(await page.title()).toBe('BBC Weather');

    await page.goto(`${app.baseUrl}/respond/${token}`);
    await page.locator('body').click();
    for (let i = 0; i < 3; i++) await page.keyboard.press('Shift');
    await page.waitForURL(exitUrl);
  });

  it('works without JavaScript: the date shows, and "Exit this page" is a plain link', async () => {
    const { caseId, token } = await invitedCase(app, staff);
    const page = await newPage({ javaScriptEnabled: false });
    await page.goto(`${app.baseUrl}/respond/${token}`);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('#reofferAfter-day').waitFor();
    expect(await page.locator('#conditional-response-3').isVisible()).toBe(true);

    await page.getByLabel('Not now – ask me again later').check();
    await page.getByRole('button', { name: 'Send my answer' }).click();
    await page.locator('.govuk-panel__title').waitFor();
    expect((await supervisorView(caseId)).state.open.consent.victim).toBe('notNow');

    await page.getByRole('button', { name: 'Emergency Exit this page' }).click();
    await page.waitForURL(exitUrl);
  });
});
