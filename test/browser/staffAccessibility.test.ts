import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { caseClient, consentBoth, lowRisk, prepareBoth } from '../api/apiSteps.js';
import { addStaff, openCase, sampleReferral, startApp, tempDir, type Staff, type TestApp } from '../support/harness.js';
import { launchChromium, tabTo, watchErrors } from './chromium.js';
import { check, cheapPasswords, errorSummary, flash, heading, offeredOn, openStep, press, quickContext, save, signInThrough, staffPage, summaryRows, type StaffPage } from './staffSteps.js';

/**
 * The staff pages in Chromium: axe-core (WCAG 2.0, 2.1 and 2.2, A and AA) on every
 * kind of staff page, in its error states too; a form done with the keyboard alone;
 * and the whole app with JavaScript off.
 */
describe('the staff pages are accessible in Chromium', () => {
  const tmp = tempDir();
  let app: TestApp;
  let staff: Staff;
  let browser: Browser;
  let facilitator: StaffPage;

  beforeAll(async () => {
    const started = startApp(`${tmp.dir}/rj.sqlite`).then(async (a) => ({ a, s: await addStaff(a.services) }));
    [{ a: app, s: staff }, browser] = await Promise.all([started, launchChromium()]);
    await cheapPasswords(app, [staff.supervisor, staff.supervisor2, staff.facilitator, staff.facilitator2]);
    facilitator = await staffPage(browser, app.baseUrl, staff.facilitator);
  });
  // Sign-ins are limited per minute on the app's clock: each test starts a fresh minute.
  beforeEach(() => app.clock.advance(60_000));
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    tmp.remove();
  });

  it('sign-in (and its error), the caseload empty and with cases, and the new referral form with its errors', async () => {
    const page = await (await quickContext(browser, app.baseUrl)).newPage();
    const errors = watchErrors(page);
    // A signed-out visitor to a case page is sent to sign in first.
    await page.goto(`${app.baseUrl}/`, { waitUntil: 'domcontentloaded' });
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await check(page, 'Sign in');

    await signInThrough(page, app.baseUrl, staff.supervisor2.email, 'not the password');
    expect(await errorSummary(page)).toEqual(['#email Enter a correct email address and password']);
    expect(await page.locator('#email').inputValue()).toBe(staff.supervisor2.email);
    await check(page, 'Sign in', { error: true });

    // No case exists yet: a supervisor lands on an empty dashboard, and the list of cases is empty.
    await signInThrough(page, app.baseUrl, staff.supervisor2.email);
    expect(new URL(page.url()).pathname).toBe('/');
    await check(page, 'Dashboard');
    await page.goto(`${app.baseUrl}/cases`, { waitUntil: 'domcontentloaded' });
    expect(await page.locator('[data-empty]').textContent()).toBe('There are no cases yet. Enter a referral to start the first one.');
    await check(page, 'All cases');

    // The new referral, sent empty, then with a date that is not one.
    await Promise.all([page.waitForURL('**/cases/new', { waitUntil: 'domcontentloaded' }), page.getByRole('link', { name: 'New referral' }).first().click()]);
    await check(page, 'New referral');
    await press(page, 'Enter the referral');
    const missing = await errorSummary(page);
    expect(missing).toEqual(
      expect.arrayContaining(["#referrer-agency Enter the referrer's agency", '#offence-date-day Enter the date of the offence', "#victim-name Enter the victim's full name"]),
    );
    await check(page, 'New referral', { error: true });
    await page.locator('#referrer-agency').fill('Northshire Police');
    await page.locator('#offence-date-day').fill('31');
    await page.locator('#offence-date-month').fill('2');
    await page.locator('#offence-date-year').fill('2026');
    await press(page, 'Enter the referral');
    expect(await errorSummary(page)).toContain('#offence-date-day Date of the offence must be a real date');
    expect(await page.locator('#referrer-agency').inputValue()).toBe('Northshire Police');
    expect(await page.locator('#offence-date-day').getAttribute('class')).toContain('govuk-input--error');

    // With cases, one of them closed.
    await openCase(app, staff);
    const declined = await app.request('POST', '/api/cases', { token: staff.supervisor.token, body: sampleReferral() });
    await caseClient(app, declined.body.case.id).ok(staff.supervisor.token, { type: 'DECLINE_REFERRAL', reason: 'duplicate_referral' });
    await page.goto(`${app.baseUrl}/cases`, { waitUntil: 'domcontentloaded' });
    expect(await page.locator('[data-caseload] tbody tr').count()).toBe(2);
    await check(page, 'All cases');
    expect(errors).toEqual([]);
  });

  it('the case page, a form plain and with its errors, check your answers, and the 403, 404, 409 and "case has changed" pages', async () => {
    const c = caseClient(app, await openCase(app, staff));
    await c.ok(staff.facilitator.token, { type: 'INVITE_VICTIM' });
    await c.ok(staff.facilitator.token, { type: 'VICTIM_RESPONDED', response: 'yes' });
    const f = facilitator.page;

    await facilitator.visit(`/cases/${c.id}`);
    await check(f, /^RJ-2026-\d{6} Contact and consent$/);
    await c.ok(staff.facilitator.token, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' });

    // The richest form: a group of text areas, radios and a yes/no; sent empty, then checked back.
    await openStep(facilitator, c.id, 'SUBMIT_RISK_ASSESSMENT');
    await check(f, 'Submit the risk assessment');
    await press(f, 'Continue');
    expect(await errorSummary(f)).toEqual(['#level Select the overall risk level', '#directContactAllowed Select whether direct contact is allowed']);
    await expect.poll(() => f.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary'))).toBe(true);
    await check(f, 'Submit the risk assessment', { error: true });
    await f.getByLabel('Safety of each participant').fill('No concerns');
    await f.getByLabel('Medium', { exact: true }).check();
    await f.getByLabel('Yes, a face-to-face meeting can be considered').check();
    await press(f, 'Continue');
    await check(f, 'Check your answers: submit the risk assessment');
    expect(await summaryRows(f)).toMatchObject({ 'Overall risk level': 'Medium' });
    // "Change your answers" brings the form back as it was filled in.
    await press(f, 'Change your answers');
    expect(await f.getByLabel('Medium', { exact: true }).isChecked()).toBe(true);
    expect(await f.getByLabel('Safety of each participant').inputValue()).toBe('No concerns');
    await press(f, 'Continue');
    await press(f, 'Confirm and record it');
    await flash(f);
    expect((await c.get(staff.facilitator.token)).stage).toBe('preparation');

    // 409: a step the chart does not allow yet, with its reasons and what can happen instead.
    expect(await facilitator.visit(`/cases/${c.id}/events/SCHEDULE_CONFERENCE`)).toBe(409);
    expect(await f.locator('[data-reasons] [data-rule]').evaluateAll((li) => li.map((l) => l.getAttribute('data-rule')))).toEqual(
      expect.arrayContaining(['conferenceChosen', 'bothPartiesPrepared']),
    );
    expect(await f.locator('main a[data-event]').evaluateAll((as) => as.map((a) => a.getAttribute('data-event')))).toContain('RECORD_PREPARATION');
    await check(f, 'You cannot schedule the conference now');

    // 403: a step the facilitator's role may not take.
    expect(await facilitator.visit(`/cases/${c.id}/events/APPROVE_CLOSURE`)).toBe(403);
    await check(f, 'You cannot do this');

    // 403: a form whose anti-forgery token is not the session's.
    await openStep(facilitator, c.id, 'ADD_NOTE');
    await f.getByLabel('Note').fill('Spoke to the victim');
    await f.locator('main input[name=_csrf]').evaluate((input: HTMLInputElement) => void (input.value = 'forged'));
    await press(f, 'Save');
    // The same page as the 403 above (axe has seen it), with its own words.
    expect(await heading(f)).toBe('This form has expired');
    expect(await f.locator('main').innerText()).toContain('Nothing has been changed.');
    expect((await c.history(staff.facilitator.token)).events.filter((e) => e.type === 'ADD_NOTE')).toEqual([]);

    // 404: no such case.
    expect(await facilitator.visit('/cases/no-such-case')).toBe(404);
    await check(f, 'Case not found');

    // The case changed after the form was opened: what changed, and a way to start again.
    await openStep(facilitator, c.id, 'RECORD_PREPARATION');
    await f.getByLabel('The victim').check();
    await f.locator('#note').fill('Met at home');
    app.clock.advance(60_000);
    await c.ok(staff.supervisor.token, { type: 'ADD_NOTE', text: 'Victim phoned the office' });
    await press(f, 'Save');
    await check(f, 'The case has changed since you opened this form');
    expect(await f.locator('main').innerText()).toContain('Add a case note, by supervisor 1 (supervisor)');
    await Promise.all([f.waitForEvent('domcontentloaded'), f.getByRole('link', { name: 'Start again with the case as it is now' }).click()]);
    expect(await heading(f)).toBe('Record a preparation meeting');
    expect(facilitator.errors).toEqual([]);
  });

  it('a form done with the keyboard alone: Tab, Space, typing, Enter', async () => {
    const c = caseClient(app, await openCase(app, staff));
    await consentBoth(c, staff.facilitator.token);
    await lowRisk(c, staff.facilitator.token);
    await c.ok(staff.facilitator.token, { type: 'RECORD_PREPARATION', party: 'victim', note: 'Met at home' });
    await c.ok(staff.facilitator.token, { type: 'CHOOSE_PROCESS', process: 'conference' });
    const f = facilitator.page;

    // Record a preparation meeting: Tab to the radios, Space picks one, type the note, Enter on Save.
    await openStep(facilitator, c.id, 'RECORD_PREPARATION');
    await f.locator('body').focus();
    await tabTo(f, 'input[name=party]');
    // Tab reaches the first radio (the victim); Space checks it, the arrow key moves on to the offender.
    await f.keyboard.press('Space');
    expect(await f.getByLabel('The victim').isChecked()).toBe(true);
    await f.keyboard.press('ArrowDown');
    expect(await f.getByLabel('The offender').isChecked()).toBe(true);
    await f.keyboard.press('Tab');
    expect(await f.evaluate(() => document.activeElement?.id)).toBe('note');
    await f.keyboard.type('Met at probation: ready to listen');
    await tabTo(f, 'button[name=step]');
    await Promise.all([f.waitForEvent('domcontentloaded'), f.keyboard.press('Enter')]);
    await flash(f);

    // Schedule the conference: date and time typed box by box, Enter in the venue box sends the form.
    await openStep(facilitator, c.id, 'SCHEDULE_CONFERENCE');
    await f.locator('body').focus();
    await tabTo(f, '#startsAt-day');
    for (const part of ['4', '12', '2026', '14', '30']) {
      await f.keyboard.type(part);
      await f.keyboard.press('Tab');
    }
    expect(await f.evaluate(() => document.activeElement?.id)).toBe('venue');
    await f.keyboard.type('Community centre');
    await Promise.all([f.waitForEvent('domcontentloaded'), f.keyboard.press('Enter')]);
    await flash(f);
    expect(await c.get(staff.facilitator.token)).toMatchObject({ prepared: { victim: true, offender: true }, conference: { startsAt: '2026-12-04T14:30:00.000Z', venue: 'Community centre' } });

    // The outcome form: checkboxes, a date and time, and a list of items with dates, plain and with errors.
    await openStep(facilitator, c.id, 'RECORD_OUTCOME');
    await check(f, 'Record the conference outcome');
    await f.locator('#agreement-0-action').fill('Write a letter of apology');
    await f.locator('#agreement-0-dueDate-day').fill('40');
    await f.locator('#agreement-0-dueDate-month').fill('12');
    await f.locator('#agreement-0-dueDate-year').fill('2026');
    await press(f, 'Save');
    expect(await errorSummary(f)).toEqual(expect.arrayContaining(['#attendees Select who attended', '#agreement-0-dueDate-day By when must be a real date']));
    await check(f, 'Record the conference outcome', { error: true });
    expect(facilitator.errors).toEqual([]);
  });

  it('Enter in a text box of the outcome form sends the form, as its main button would, not "Add another item"', async () => {
    const c = caseClient(app, await openCase(app, staff));
    const t = staff.facilitator.token;
    await consentBoth(c, t);
    await lowRisk(c, t);
    await prepareBoth(c, t);
    await c.ok(t, { type: 'CHOOSE_PROCESS', process: 'conference' });
    await c.ok(t, { type: 'SCHEDULE_CONFERENCE', startsAt: '2026-12-01T10:00:00Z', venue: 'Community centre' });
    const f = facilitator.page;
    await openStep(facilitator, c.id, 'RECORD_OUTCOME');
    await f.getByLabel('The victim').check();
    await f.getByLabel('The offender').check();
    for (const [id, value] of Object.entries({ 'heldAt-day': '23', 'heldAt-month': '11', 'heldAt-year': '2026', 'heldAt-hour': '8', 'heldAt-minute': '0' })) await f.locator(`#${id}`).fill(value);
    for (const [id, value] of Object.entries({ 'agreement-0-owner': 'offender', 'agreement-0-dueDate-day': '18', 'agreement-0-dueDate-month': '12', 'agreement-0-dueDate-year': '2026' })) await f.locator(`#${id}`).fill(value);
    await f.locator('#agreement-0-action').fill('Write a letter of apology');
    // Implicit submission uses the form's first submit button: here that is "Add another item", placed before "Save".
    await Promise.all([f.waitForEvent('domcontentloaded'), f.locator('#agreement-0-action').press('Enter')]);
    expect(new URL(f.url()).pathname, `after Enter: ${await heading(f)} with ${await f.locator('[id$="-action"]').count()} item rows`).toBe(`/cases/${c.id}`);
    expect((await c.get(t)).agreement).toHaveLength(1);
  });

  it('works with JavaScript off: sign in, open a case, an outcome with "Add another", check your answers', async () => {
    const c = caseClient(app, await openCase(app, staff, sampleReferral({ offence: { type: 'criminal damage', date: '2026-10-01', description: 'Damage to a car' } })));
    const f = staff.facilitator.token;
    await consentBoth(c, f);
    await lowRisk(c, f);
    await prepareBoth(c, f);
    await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'conference' });
    await c.ok(f, { type: 'SCHEDULE_CONFERENCE', startsAt: '2026-12-01T10:00:00Z', venue: 'Community centre' });
    const reference = (await c.get(f)).reference as string;

    const noJs = await staffPage(browser, app.baseUrl, staff.facilitator, { javaScriptEnabled: false });
    const page = noJs.page;
    // No script ran: GOV.UK Frontend's components were never started.
    expect(await page.locator('body.govuk-frontend-supported').count()).toBe(0);
    await Promise.all([page.waitForEvent('domcontentloaded'), page.locator(`[data-caseload] tr[data-case="${reference}"] a`).click()]);
    expect(await heading(page)).toMatch(new RegExp(`^${reference} `));

    // The outcome: one item, "Add another" posts the form and it comes back with a second row, the first kept.
    await openStep(noJs, c.id, 'RECORD_OUTCOME');
    await page.getByLabel('The victim').check();
    await page.getByLabel('The offender').check();
    await page.locator('#heldAt-day').fill('23');
    await page.locator('#heldAt-month').fill('11');
    await page.locator('#heldAt-year').fill('2026');
    await page.locator('#heldAt-hour').fill('8');
    await page.locator('#heldAt-minute').fill('0');
    await page.locator('#agreement-0-action').fill('Pay for the repair');
    await page.locator('#agreement-0-owner').fill('offender');
    await page.locator('#agreement-0-dueDate-day').fill('18');
    await page.locator('#agreement-0-dueDate-month').fill('12');
    await page.locator('#agreement-0-dueDate-year').fill('2026');
    await press(page, 'Add another item');
    expect(await heading(page)).toBe('Record the conference outcome');
    expect(await page.locator('#agreement-1-action').count()).toBe(1);
    expect(await page.locator('#agreement-0-action').inputValue()).toBe('Pay for the repair');
    expect(await page.getByLabel('The offender').isChecked()).toBe(true);
    expect(await page.locator('#heldAt-hour').inputValue()).toBe('8');
    await page.locator('#agreement-1-action').fill('Write a letter of apology');
    await page.locator('#agreement-1-owner').fill('offender');
    await page.locator('#agreement-1-dueDate-day').fill('8');
    await page.locator('#agreement-1-dueDate-month').fill('1');
    await page.locator('#agreement-1-dueDate-year').fill('2027');
    await save(page);
    expect(await page.locator('table[data-agreement] tbody tr').count()).toBe(2);
    expect((await c.get(f)).agreement).toMatchObject([
      { id: 'item-1', action: 'Pay for the repair', dueDate: '2026-12-18' },
      { id: 'item-2', action: 'Write a letter of apology', dueDate: '2027-01-08' },
    ]);

    // A closure request, through check your answers (with items still pending, a completion is not offered).
    await openStep(noJs, c.id, 'REQUEST_CLOSURE');
    expect(await page.getByLabel('Agreement fulfilled').count()).toBe(0);
    await page.getByLabel('The offender did not comply').check();
    await press(page, 'Continue');
    expect(await heading(page)).toBe('Check your answers: ask for the case to be closed');
    await press(page, 'Confirm and record it');
    expect(await flash(page)).toMatch(/./);
    expect(await offeredOn(page)).not.toContain('REQUEST_CLOSURE');
    expect((await c.get(f)).state).toBe('closing');

    // Signing out is a form too.
    await press(page, 'Sign out');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(await page.locator('.govuk-notification-banner').innerText()).toContain('You have signed out.');
    expect(noJs.errors).toEqual([]);
  });
});
