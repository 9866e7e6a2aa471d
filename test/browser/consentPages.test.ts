import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { caseClient } from '../api/apiSteps.js';
import { addStaff, openCase, startApp, tempDir, type Staff, type TestApp } from '../support/harness.js';
import { launchChromium } from './chromium.js';
import { check, cheapPasswords, checkAndConfirm, errorSummary, heading, press, staffPage, summaryRows, type StaffPage } from './staffSteps.js';

/**
 * The case page's consent ledger and the warnings a withdrawal puts beside a
 * party, the consent form and the correction of a party's details, in Chromium
 * with axe-core (WCAG 2.2 AA), in their error states too.
 */
describe('consent and corrections on the staff pages, in Chromium', () => {
  const tmp = tempDir();
  let app: TestApp;
  let staff: Staff;
  let browser: Browser;
  let facilitator: StaffPage;
  let supervisor: StaffPage;

  beforeAll(async () => {
    const started = startApp(`${tmp.dir}/rj.sqlite`).then(async (a) => ({ a, s: await addStaff(a.services) }));
    [{ a: app, s: staff }, browser] = await Promise.all([started, launchChromium()]);
    await cheapPasswords(app, [staff.supervisor, staff.facilitator]);
    [facilitator, supervisor] = await Promise.all([staffPage(browser, app.baseUrl, staff.facilitator), staffPage(browser, app.baseUrl, staff.supervisor)]);
  });
  // Sign-ins are limited per minute on the app's clock: each test starts a fresh minute.
  beforeEach(() => app.clock.advance(60_000));
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    tmp.remove();
  });

  const consentedCase = async () => {
    const c = caseClient(app, await openCase(app, staff));
    const f = staff.facilitator.token;
    await c.ok(f, { type: 'VICTIM_RESPONDED', response: 'yes', informationGiven: { version: 'rj-information-2026-11', how: 'in_person' } });
    await c.ok(f, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' });
    return c;
  };
  const warnings = (s: StaffPage) => s.page.locator('[data-consent-warning] .govuk-warning-text__text').evaluateAll((ws) => ws.map((w) => w.textContent!.replace(/\s+/g, ' ').trim()));

  it('the case page shows each party’s consent, its ledger, and what not to do; the consent form, plain and with its errors', async () => {
    const c = await consentedCase();
    const f = staff.facilitator.token;
    await c.ok(f, { type: 'RECORD_CONSENT', party: 'victim', withdrawn: ['emailContact', 'phoneContact', 'shareInformation', 'directMeeting'], channel: 'phone' });
    await c.ok(f, { type: 'RECORD_CONSENT', party: 'offender', withdrawn: ['feedback'], channel: 'in_person', informationVersion: 'rj-information-2026-11' });
    const page = facilitator.page;

    await facilitator.visit(`/cases/${c.id}`);
    await check(page, /^RJ-2026-\d{6} Risk assessment$/);
    expect(await warnings(facilitator)).toEqual([
      'Warning No direct meeting: the victim withdrew consent to meet the offender.',
      'Warning Do not share what the victim says with the offender: they withdrew consent to sharing information.',
      'Warning Do not email the victim: they withdrew consent to email contact. The service sends them no email.',
      'Warning Do not phone the victim: they withdrew consent to phone contact.',
      'Warning Do not ask the offender for feedback: they withdrew consent to being asked.',
    ]);
    const victim = await summaryRows(page, '[data-consent-party=victim]');
    expect(victim['Taking part']).toMatch(/^Given on .+, in person, information rj-information-2026-11, recorded by facilitator 1 \(facilitator\)$/);
    expect(victim['Email contact']).toMatch(/^Withdrawn on .+, by phone, recorded by facilitator 1 \(facilitator\)$/);
    expect(victim['Being asked for feedback']).toBe('Not recorded');
    const ledger = await page.locator('[data-consent-party=offender] table tbody tr').evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].slice(1).map((td) => td.textContent!.trim())),
    );
    expect(ledger).toEqual([
      ['Being asked for feedback', 'Withdrawn', 'in person', 'rj-information-2026-11', 'facilitator 1 (facilitator)'],
      ['Taking part', 'Given', 'recorded by staff', 'Not recorded', 'facilitator 1 (facilitator)'],
    ]);

    // The victim's card leads to the form for their consent.
    await Promise.all([page.waitForEvent('domcontentloaded'), page.getByRole('link', { name: "Record consent (The victim's consent)" }).click()]);
    await check(page, "Record a party's consent");
    expect(await page.getByLabel('The victim').isChecked()).toBe(true);
    await press(page, 'Continue');
    expect(await errorSummary(page)).toEqual([
      '#given Select what they consent to, or what they withdraw their consent from',
      '#channel Select how they told you',
    ]);
    await check(page, "Record a party's consent", { error: true });
    await page.locator('input[name=given][value=emailContact]').check();
    await page.getByLabel('By phone').check();
    const { rows } = await checkAndConfirm(page);
    expect(rows).toMatchObject({ 'What do they consent to?': 'Email contact', 'How did they tell you?': 'By phone' });
    expect(await warnings(facilitator)).not.toContain('Warning Do not email the victim: they withdrew consent to email contact. The service sends them no email.');
    expect(facilitator.errors).toEqual([]);
  });

  it("a supervisor corrects a party's details from the case page: the form starts from the details on record", async () => {
    const c = await consentedCase();
    const page = supervisor.page;
    await supervisor.visit(`/cases/${c.id}`);
    await Promise.all([page.waitForEvent('domcontentloaded'), page.getByRole('link', { name: "Correct the victim's details" }).click()]);
    await check(page, "Correct a party's contact details");
    expect(await page.locator('#name').inputValue()).toBe('Vera Victim');
    expect(await page.locator('#email').inputValue()).toBe('vera@example.org');
    await page.locator('#email').fill('vera at example');
    await press(page, 'Continue');
    expect(await errorSummary(page)).toEqual([
      '#email Email address must be an email address, like name@example.org',
      '#reason Enter why the details are being corrected',
    ]);
    await check(page, "Correct a party's contact details", { error: true });
    await page.locator('#email').fill('vera.vickers@example.org');
    await page.locator('#reason').fill('She wrote to give her new address');
    const { rows } = await checkAndConfirm(page);
    expect(rows).toMatchObject({ 'Email address': 'vera.vickers@example.org' });
    const sidebar = await page.locator('.app-case-sidebar').innerText();
    expect(sidebar).toContain('vera.vickers@example.org');
    expect(sidebar).not.toContain('vera@example.org');
    // A facilitator is not offered it.
    await facilitator.visit(`/cases/${c.id}`);
    expect(await facilitator.page.locator('a[data-event=CORRECT_PARTY_DETAILS]').count()).toBe(0);
    expect(await heading(facilitator.page)).toMatch(/^RJ-2026-\d{6}/);
    expect(supervisor.errors).toEqual([]);
  });
});
