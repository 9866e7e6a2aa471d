import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { caseClient } from '../api/apiSteps.js';
import { listCapturedMail } from '../../src/mail/mailCapture.js';
import { addStaff, openCase, sampleReferral, startApp, tempDir, type Staff, type TestApp } from '../support/harness.js';
import { caseAskingForFeedback, invitedCase, linkToken } from '../web/partySteps.js';
import { appContext, expectAccessible, launchChromium, watchErrors } from './chromium.js';

/** axe-core (WCAG 2.0, 2.1 and 2.2, A and AA) on every page the app renders, in their error states too. */
describe('every page passes axe-core in Chromium', () => {
  const tmp = tempDir();
  let app: TestApp;
  let staff: Staff;
  let browser: Browser;

  beforeAll(async () => {
    app = await startApp(`${tmp.dir}/rj.sqlite`);
    staff = await addStaff(app.services);
    browser = await launchChromium();
  });
  // The rate limit counts requests a minute on the app's clock: each test starts a fresh minute.
  beforeEach(() => app.clock.advance(60_000));
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    tmp.remove();
  });

  async function newPage(options: BrowserContextOptions = {}): Promise<{ page: Page; errors: string[] }> {
    const page = await (await appContext(browser, app.baseUrl, options)).newPage();
    return { page, errors: watchErrors(page) };
  }

  /** WCAG 1.4.10 (reflow): at 320px nothing makes the page scroll sideways. */
  const pageScrollWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

  /** The email frame's inner size, and the email's own height and scroll size inside it. */
  const frameFit = (page: Page) =>
    page.locator('iframe.app-mail-frame').evaluate((frame: HTMLIFrameElement) => {
      const root = frame.contentDocument!.documentElement;
      const email = root.getBoundingClientRect().height;
      return { frame: frame.clientHeight, frameWidth: frame.clientWidth, email, scrollHeight: root.scrollHeight, scrollWidth: root.scrollWidth };
    });

  /** The frame's fit once it has none to scroll (in either direction) and no empty space below the email; else undefined. */
  async function fittedFrame(page: Page) {
    const fit = await frameFit(page);
    const fits = fit.scrollHeight <= fit.frame && Math.abs(fit.frame - fit.email) < 1 && fit.scrollWidth <= fit.frameWidth;
    return fits ? fit : undefined;
  }

  /** Checks the page in front of the browser: its heading, axe, and its title naming page and service. */
  async function check(page: Page, h1: string) {
    expect((await page.locator('h1').textContent())!.trim()).toBe(h1);
    expect(await page.title()).toMatch(/^(Error: )?.+ – Northshire Restorative Justice Service$/);
    await expectAccessible(page);
  }

  it('the invitation: link, form, its errors and the confirmation', async () => {
    const { token } = await invitedCase(app, staff);
    const { page, errors } = await newPage();
    await page.goto(`${app.baseUrl}/respond/${token}`);
    await check(page, 'Reply to your invitation');

    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('input[name=response]').first().waitFor();
    await check(page, 'Restorative justice: would you like to take part?');

    await page.getByRole('button', { name: 'Send my answer' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    // GOV.UK's script moves focus to the error summary.
    await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary'))).toBe(true);
    await check(page, 'Restorative justice: would you like to take part?');

    await page.getByLabel('Not now – ask me again later').check();
    await page.getByLabel('Month').fill('13');
    await page.getByLabel('Day').fill('1');
    await page.getByLabel('Year').fill('2027');
    await page.getByRole('button', { name: 'Send my answer' }).click();
    await page.getByText('The date to ask you again must be a real date').first().waitFor();
    await check(page, 'Restorative justice: would you like to take part?');

    await page.getByLabel('Yes, I am interested').check();
    await page.getByRole('button', { name: 'Send my answer' }).click();
    await page.locator('.govuk-panel').waitFor();
    await check(page, 'Thank you for your answer');
    expect(errors).toEqual([]);
  });

  it('withdrawal: the form, its error and the confirmation', async () => {
    const { caseId } = await invitedCase(app, staff);
    await caseClient(app, caseId).ok(staff.facilitator.token, { type: 'VICTIM_RESPONDED', response: 'yes' });
    const { page, errors } = await newPage();
    await page.goto(`${app.baseUrl}/respond/${await linkToken(app, caseId, 'thank_you', 'withdrawal')}`);
    await check(page, 'Withdraw from restorative justice');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Withdraw my consent' }).waitFor();
    await check(page, 'Withdraw from restorative justice');

    await page.getByLabel('Why are you withdrawing? (optional)').fill('x'.repeat(2001));
    await page.getByRole('button', { name: 'Withdraw my consent' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    await check(page, 'Withdraw from restorative justice');

    await page.getByLabel('Why are you withdrawing? (optional)').fill('');
    await page.getByRole('button', { name: 'Withdraw my consent' }).click();
    await page.locator('.govuk-panel').waitFor();
    await check(page, 'You have withdrawn your consent');
    expect(errors).toEqual([]);
  });

  it('feedback: the form, its errors and the thanks', async () => {
    const caseId = await caseAskingForFeedback(app, staff);
    const { page, errors } = await newPage();
    await page.goto(`${app.baseUrl}/respond/${await linkToken(app, caseId, 'feedback_request', 'feedback')}`);
    await check(page, 'Tell us what you thought of the service');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Send feedback' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    await check(page, 'Tell us what you thought of the service');

    await page.getByLabel('Very satisfied').check();
    await page.getByRole('button', { name: 'Send feedback' }).click();
    await page.locator('.govuk-panel').waitFor();
    await check(page, 'Thank you for your feedback');
    expect(errors).toEqual([]);
  });

  it('the pages that stop people: a link that does not work, an ended session, too much sent, too many requests, no such page', async () => {
    const { token } = await invitedCase(app, staff);
    const { page, errors } = await newPage();

    await page.goto(`${app.baseUrl}/respond/not-a-working-link`);
    await check(page, 'This link does not work');

    await page.goto(`${app.baseUrl}/respond/${token}`);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('input[name=response]').first().waitFor();
    await page.locator('input[name=session]').evaluate((input: HTMLInputElement) => void (input.value = 'x'.repeat(43)));
    await page.getByRole('button', { name: 'Send my answer' }).click();
    await page.locator('h1', { hasText: 'Your session has ended' }).waitFor();
    await check(page, 'Your session has ended');

    await page.goto(`${app.baseUrl}/respond/${token}`);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('#accessNeeds').fill('x'.repeat(17 * 1024));
    await page.getByRole('button', { name: 'Send my answer' }).click();
    await page.locator('h1', { hasText: 'Sorry, we could not read what was sent' }).waitFor();
    await check(page, 'Sorry, we could not read what was sent');

    for (let i = 0; i < 60; i++) await fetch(`${app.baseUrl}/respond/not-a-working-link`);
    await page.goto(`${app.baseUrl}/respond/not-a-working-link`);
    await check(page, 'Sorry, there have been too many requests');

    await page.goto(`${app.baseUrl}/no-such-page`);
    await check(page, 'Page not found');
    expect(errors).toEqual([]);
  });

  it('/dev/mail: the list and a message', async () => {
    await invitedCase(app, staff);
    await app.services.outbox.deliverDue();
    const { page, errors } = await newPage();
    await page.goto(`${app.baseUrl}/dev/mail`);
    await check(page, 'Emails sent by the service');
    await page.getByRole('link', { name: 'Would you like to take part in restorative justice?' }).first().click();
    await page.locator('iframe').waitFor();
    await check(page, 'Would you like to take part in restorative justice?');
    expect(errors).toEqual([]);
  });

  it('/dev/mail reflows to 320px (long addresses wrap), and each email\'s frame is as tall as the email, refitting when wider', async () => {
    // An address with no spaces to wrap at, longer than a phone is wide.
    const longAddress = 'vera.victoria.longname-for-wrapping@a-rather-long-domain-name.example.org';
    const caseId = await openCase(app, staff, sampleReferral({ victim: { name: 'Vera Victim', email: longAddress } }));
    await caseClient(app, caseId).ok(staff.facilitator.token, { type: 'INVITE_VICTIM' });
    await app.services.outbox.deliverDue();
    const invitation = listCapturedMail(app.services.config.mailDir).find((m) => m.to.includes(longAddress))!;

    const { page, errors } = await newPage({ viewport: { width: 320, height: 640 } });
    await page.goto(`${app.baseUrl}/dev/mail`);
    expect(await page.locator('td', { hasText: 'vera.victoria' }).count()).toBe(1);
    expect(await pageScrollWidth(page)).toBeLessThanOrEqual(320);

    await page.goto(`${app.baseUrl}/dev/mail/${invitation.id}`);
    await expect.poll(() => fittedFrame(page)).toBeDefined();
    const narrow = (await fittedFrame(page))!;
    expect(await pageScrollWidth(page)).toBeLessThanOrEqual(320);
    // A wider frame wraps the email onto fewer lines; the frame shrinks with it, leaving no empty space.
    await page.setViewportSize({ width: 1024, height: 640 });
    await expect.poll(async () => (await fittedFrame(page))?.frame ?? Infinity).toBeLessThan(narrow.frame);
    expect(errors).toEqual([]);

    // Without JavaScript the frame takes most of the window and scrolls inside.
    const noScript = await (await appContext(browser, app.baseUrl, { viewport: { width: 1024, height: 640 }, javaScriptEnabled: false })).newPage();
    await noScript.goto(`${app.baseUrl}/dev/mail/${invitation.id}`);
    const fallback = await frameFit(noScript);
    expect(fallback.frame).toBe(Math.round(0.8 * 640));
    expect(fallback.scrollHeight).toBeGreaterThan(fallback.frame);
  });

  it('the page for a failure of the service itself (a damaged capture file behind /dev/mail)', async () => {
    const damaged = join(app.services.config.mailDir, '20261123T090000000Z-damaged.json');
    mkdirSync(app.services.config.mailDir, { recursive: true });
    writeFileSync(damaged, '{"subject": "cut off half-wa');
    try {
      const { page, errors } = await newPage();
      const response = await page.goto(`${app.baseUrl}/dev/mail`);
      expect(response?.status()).toBe(500);
      await check(page, 'Sorry, there is a problem with the service');
      // The browser reports the 500 itself; nothing else may go wrong.
      expect(errors.filter((e) => !e.includes('status of 500'))).toEqual([]);
    } finally {
      rmSync(damaged);
    }
  });
});
