import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { caseClient } from '../api/apiSteps.js';
import { launchChromium, tabTo } from '../browser/chromium.js';
import { check, cheapPasswords, errorSummary, press, staffPage, type StaffPage } from '../browser/staffSteps.js';
import { addStaff, openCase, startApp, tempDir, type Staff, type TestApp } from '../support/harness.js';
import { addDays, declinedReferral, plant, runSql, victimDeclinedCase } from './retentionSteps.js';

/**
 * The retention pages in Chromium, with axe-core (WCAG 2.0, 2.1 and 2.2, A and AA): the list of cases
 * due for anonymisation, empty and with rows (one past its date, one on hold), the legal hold's forms
 * (placing and lifting) and the erasure form, each in its error states too; no script error or CSP
 * refusal; and the list's scrolling region reached with the keyboard.
 */
describe('the retention pages are accessible in Chromium', () => {
  const tmp = tempDir();
  let app: TestApp;
  let staff: Staff;
  let browser: Browser;
  let supervisor: StaffPage;

  beforeAll(async () => {
    const started = startApp(`${tmp.dir}/rj.sqlite`, undefined, { RETENTION_AFTER_CLOSURE: 'P20D' }).then(async (a) => ({ a, s: await addStaff(a.services) }));
    [{ a: app, s: staff }, browser] = await Promise.all([started, launchChromium()]);
    await cheapPasswords(app, [staff.supervisor]);
    supervisor = await staffPage(browser, app.baseUrl, staff.supervisor);
  });
  // Sign-ins are limited per minute on the app's clock: each test starts a fresh minute.
  beforeEach(() => app.clock.advance(60_000));
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    tmp.remove();
  });

  it('the list of cases due, empty and with rows, and the legal hold’s forms with their errors', async () => {
    const { page, errors } = supervisor;
    expect(await supervisor.visit('/retention')).toBe(200);
    await check(page, 'Cases due for anonymisation');
    expect(await page.locator('[data-none]').count()).toBe(1);

    const env = { app, staff };
    const due = await victimDeclinedCase(env, plant('Due', '611'));
    const overdue = await victimDeclinedCase(env, plant('Ovd', '612'));
    runSql(app.dbPath, 'UPDATE cases SET retain_until = ? WHERE id = ?', addDays(app.clock().toISOString(), -1), overdue.id);
    const held = await declinedReferral(env, plant('Hld', '613'));
    runSql(app.dbPath, 'UPDATE cases SET retain_until = ? WHERE id = ?', addDays(app.clock().toISOString(), 5), held.id);
    expect((await app.request('PUT', `/api/cases/${held.id}/legal-hold`, { token: staff.supervisor.token, body: { reason: 'A court order keeps the record' } })).status).toBe(200);

    expect(await supervisor.visit('/retention')).toBe(200);
    await check(page, 'Cases due for anonymisation');
    expect(await page.locator('[data-retention] tbody tr').count()).toBe(3);
    await tabTo(page, '.app-table-scroll');

    // Placing a hold: from the list's link, an empty reason, then one given.
    await Promise.all([page.waitForEvent('domcontentloaded'), page.locator(`tr[data-case="${due.id}"] a[href$="/legal-hold"]`).click()]);
    await check(page, /^Place a legal hold on RJ-/);
    await press(page, 'Place the hold');
    expect(await errorSummary(page)).toEqual(['#reason Enter the reason']);
    await check(page, /^Place a legal hold on RJ-/, { error: true });
    await page.locator('#reason').fill('A complaint about the service is open');
    await press(page, 'Place the hold');
    await check(page, 'Cases due for anonymisation');
    expect(await page.locator('.govuk-notification-banner--success').innerText()).toContain('Legal hold placed');

    // A hold placed twice: the error is the case's, not a field's.
    expect(await supervisor.visit(`/cases/${due.id}/legal-hold`)).toBe(200);
    await page.locator('#reason').fill('Again');
    await press(page, 'Place the hold');
    expect(await errorSummary(page)).toEqual([expect.stringContaining('this case is already on hold')]);
    await check(page, /^Place a legal hold on RJ-/, { error: true });

    // Lifting it: an empty reason, then one given.
    expect(await supervisor.visit('/retention')).toBe(200);
    await Promise.all([page.waitForEvent('domcontentloaded'), page.locator(`tr[data-case="${held.id}"] a[href$="/legal-hold/lift"]`).click()]);
    await check(page, /^Lift the legal hold on RJ-/);
    await press(page, 'Lift the hold');
    expect(await errorSummary(page)).toEqual(['#reason Enter the reason']);
    await check(page, /^Lift the legal hold on RJ-/, { error: true });
    await page.locator('#reason').fill('The court order has ended');
    await press(page, 'Lift the hold');
    await check(page, 'Cases due for anonymisation');
    expect(errors).toEqual([]);
  });

  it('the erasure form, with its errors, and the case page it leads to', async () => {
    const { page, errors } = supervisor;
    const c = caseClient(app, await openCase(app, staff));
    await c.ok(staff.facilitator.token, { type: 'INVITE_VICTIM' });
    await c.ok(staff.facilitator.token, { type: 'VICTIM_RESPONDED', response: 'yes', accessNeeds: 'A hearing loop' });

    expect(await supervisor.visit(`/cases/${c.id}/erase`)).toBe(200);
    await check(page, /^Erase personal data from RJ-/);
    await press(page, 'Erase the personal data');
    expect(await errorSummary(page)).toEqual(['#party Select whose personal data is to be erased', '#basis Select the lawful reason for the erasure']);
    await check(page, /^Erase personal data from RJ-/, { error: true });
    await page.getByLabel('The victim', { exact: true }).check();
    await page.locator('#note').fill('x'.repeat(2001));
    await press(page, 'Erase the personal data');
    expect(await errorSummary(page)).toEqual(['#basis Select the lawful reason for the erasure', '#note Note (optional) must be 2,000 characters or fewer']);
    await check(page, /^Erase personal data from RJ-/, { error: true });
    await page.getByLabel('The person asked for their data to be erased (Article 17)').check();
    await page.locator('#note').fill('Asked by letter');
    await press(page, 'Erase the personal data');
    expect(new URL(page.url()).pathname).toBe(`/cases/${c.id}`);
    expect(await page.locator('.govuk-notification-banner--success').innerText()).toContain('Personal data erased');
    await check(page, /RJ-/);
    expect(errors).toEqual([]);
  });
});
