import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseClient, consentBoth, lowRisk } from '../api/apiSteps.js';
import { addStaff, openCase, startApp, tempDir, type Staff, type TestApp } from '../support/harness.js';
import { launchChromium, tabTo } from './chromium.js';
import { check, cheapPasswords, staffPage, type StaffPage } from './staffSteps.js';

/**
 * The subject access pages in Chromium: axe-core (WCAG 2.0, 2.1 and 2.2, A and AA) on the chooser
 * and on a party's printable export (with supporters, redacted notes and an erased entry), reached
 * from the case page by its links; the history's scrolling region by keyboard; and the printout
 * without the menu, the signed-in bar and the page's own links.
 */
describe('the subject access pages are accessible in Chromium', () => {
  const tmp = tempDir();
  let app: TestApp;
  let staff: Staff;
  let browser: Browser;
  let supervisor: StaffPage;

  beforeAll(async () => {
    const started = startApp(`${tmp.dir}/rj.sqlite`).then(async (a) => ({ a, s: await addStaff(a.services) }));
    [{ a: app, s: staff }, browser] = await Promise.all([started, launchChromium()]);
    await cheapPasswords(app, [staff.supervisor]);
    supervisor = await staffPage(browser, app.baseUrl, staff.supervisor);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    tmp.remove();
  });

  it('the chooser and the victim’s printable export, reached from the case page, on screen and in print', async () => {
    const f = staff.facilitator.token;
    const c = caseClient(app, await openCase(app, staff));
    await consentBoth(c, f);
    await lowRisk(c, f);
    await c.ok(f, { type: 'ADD_SUPPORTER', party: 'victim', name: 'Val Sister', email: 'sister@example.org' });
    await c.ok(f, { type: 'ADD_NOTE', text: 'Oscar Offender asked whether Vera Victim would meet him.' });
    // An entry about the offender erased on request: the victim's export still shows the case-wide entries it took, as erased.
    await c.ok(f, { type: 'RECORD_PREPARATION', party: 'offender', note: 'Met at probation' });
    await app.services.store.erasePersonalData({ caseId: c.id, party: 'offender', basis: 'erasure_request', actor: { kind: 'user', id: staff.supervisor.id, role: 'supervisor' }, at: app.clock().toISOString() });
    await c.ok(f, { type: 'ADD_NOTE', text: 'PC Dana Jones rang to ask how Vera Victim is.' });
    const p = supervisor.page;

    expect(await supervisor.visit(`/cases/${c.id}`)).toBe(200);
    await Promise.all([p.waitForURL(`**/cases/${c.id}/subject-access`, { waitUntil: 'domcontentloaded' }), p.locator('[data-subject-access]').click()]);
    await check(p, /^Subject access export for case RJ-2026-\d{6}$/);
    expect(await p.getByRole('link', { name: 'Open the printable page for the victim' }).count()).toBe(1);
    expect(await p.getByRole('link', { name: 'Download as JSON for the offender' }).count()).toBe(1);

    await Promise.all([p.waitForURL(`**/cases/${c.id}/subject-access/victim`, { waitUntil: 'domcontentloaded' }), p.getByRole('link', { name: 'Open the printable page for the victim' }).click()]);
    await check(p, /^Subject access export: the victim of case RJ-2026-\d{6}$/);
    const main = await p.locator('main').innerText();
    expect(main).toContain('Val Sister');
    expect(main).toContain('[redacted] rang to ask how Vera Victim is.');
    expect(main).not.toContain('Oscar');
    expect(await p.locator('[data-erased]').count()).toBeGreaterThan(0);

    // The history's table scrolls on a narrow screen: its region takes focus, with an outline that shows.
    await p.locator('body').focus();
    await tabTo(p, '.app-print-page .app-table-scroll', 80);
    const outline = await p.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');

    // Printed: the export alone, without the menu, who is signed in, the footer or the page's own links.
    await p.emulateMedia({ media: 'print' });
    try {
      for (const hidden of ['.govuk-template__header', '.govuk-footer', '.app-no-print']) expect(await p.locator(hidden).first().isVisible(), hidden).toBe(false);
      expect(await p.locator('[data-subject-access-export] h1').isVisible()).toBe(true);
      expect(await p.locator('[data-history]').isVisible()).toBe(true);
    } finally {
      await p.emulateMedia({ media: 'screen' });
    }

    // The offender's, with less in it, and on a phone's width.
    await p.setViewportSize({ width: 320, height: 640 });
    try {
      expect(await supervisor.visit(`/cases/${c.id}/subject-access/offender`)).toBe(200);
      await check(p, /^Subject access export: the offender of case RJ-2026-\d{6}$/);
      expect(await supervisor.visit(`/cases/${c.id}/subject-access`)).toBe(200);
      await check(p, /^Subject access export for case RJ-2026-\d{6}$/);
    } finally {
      await p.setViewportSize({ width: 1280, height: 720 });
    }
    expect(supervisor.errors).toEqual([]);
  });
});
