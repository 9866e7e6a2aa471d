import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { caseClient, consentBoth, lowRisk, prepareBoth, riskRevisedToLow } from '../api/apiSteps.js';
import { addStaff, openCase, sampleReferral, startApp, tempDir, type Staff, type TestApp } from '../support/harness.js';
import { launchChromium, tabTo } from './chromium.js';
import { check, cheapPasswords, errorSummary, press, staffPage, type StaffPage } from './staffSteps.js';

/**
 * The supervisors' oversight pages in Chromium: axe-core (WCAG 2.0, 2.1 and 2.2, A and AA)
 * on the dashboard and its lists, the supervision form, a case's audited history (checked,
 * and with an entry changed in the database) with its statechart open, and the reports,
 * in their error states too; and the scrolling regions reached with the keyboard.
 */
describe('the oversight pages are accessible in Chromium', () => {
  const tmp = tempDir();
  let app: TestApp;
  let staff: Staff;
  let browser: Browser;
  let supervisor: StaffPage;

  beforeAll(async () => {
    const started = startApp(`${tmp.dir}/rj.sqlite`).then(async (a) => ({ a, s: await addStaff(a.services) }));
    [{ a: app, s: staff }, browser] = await Promise.all([started, launchChromium()]);
    await cheapPasswords(app, [staff.supervisor]);

    // Something in most of the dashboard's lists, and cases for the reports' period (the current quarter).
    const [s, f] = [staff.supervisor.token, staff.facilitator.token];
    // A referral not yet screened, and one declined.
    await app.request('POST', '/api/cases', { token: s, body: sampleReferral() });
    const declined = await app.request('POST', '/api/cases', { token: s, body: sampleReferral({ referrer: { agency: 'Northshire Probation', name: 'Pat Officer', email: 'pat@probation.example' } }) });
    await caseClient(app, declined.body.case.id).ok(s, { type: 'DECLINE_REFERRAL', reason: 'duplicate_referral' });
    // A high risk waiting for approval.
    const risky = caseClient(app, await openCase(app, staff));
    await consentBoth(risky, f);
    await risky.ok(f, { type: 'SUBMIT_RISK_ASSESSMENT', level: 'high', factors: { safety: 'threats' }, directContactAllowed: false });
    // A closure waiting for sign-off.
    await caseClient(app, await openCase(app, staff)).ok(f, { type: 'REQUEST_CLOSURE', reason: 'victim_declined' });
    // An invitation to a victim with no email address.
    await caseClient(app, await openCase(app, staff, sampleReferral({ victim: { name: 'Vic Phoneonly', phone: '01234 567891' } }))).ok(f, { type: 'INVITE_VICTIM' });
    // A case prepared for a conference.
    const prepared = caseClient(app, await openCase(app, staff));
    await consentBoth(prepared, f);
    await lowRisk(prepared, f);
    await prepareBoth(prepared, f);
    await prepared.ok(f, { type: 'CHOOSE_PROCESS', process: 'conference' });

    supervisor = await staffPage(browser, app.baseUrl, staff.supervisor);
  });
  // Sign-ins are limited per minute on the app's clock: each test starts a fresh minute.
  beforeEach(() => app.clock.advance(60_000));
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    tmp.remove();
  });

  /** Opens the page's statechart, so that axe sees the picture as shown. */
  async function openStatechart(page: Page) {
    const details = page.locator('details[data-statechart]');
    await details.locator('> summary').click();
    expect(await details.evaluate((d: HTMLDetailsElement) => d.open)).toBe(true);
    await expect.poll(() => details.locator('.app-statechart-frame svg').isVisible()).toBe(true);
  }

  /** Tabs to a scrolling region and expects it focused with an outline that shows. */
  async function reachByKeyboard(page: Page, selector: string) {
    expect(await page.locator(selector).first().getAttribute('tabindex')).toBe('0');
    await page.locator('body').focus();
    await tabTo(page, selector, 120);
    const outline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement!);
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    expect(outline.style).not.toBe('none');
    expect(outline.width).toBeGreaterThanOrEqual(2);
  }

  it('the dashboard with cases in its lists, a list of cases, and the supervision form plain and with its errors', async () => {
    const p = supervisor.page;
    expect(await supervisor.visit('/')).toBe(200);
    const count = (queue: string) => p.locator(`[data-queue=${queue}] [data-count]`).textContent().then((t) => Number(t!.trim()));
    for (const queue of ['referrals', 'riskApprovals', 'closureSignOffs', 'undeliverable']) expect(await count(queue), queue).toBe(1);
    expect(await p.locator('[data-caseloads] tbody tr').count()).toBeGreaterThanOrEqual(2);
    await check(p, 'Dashboard');
    // The caseloads table scrolls on a narrow screen: its region takes focus, and shows it.
    await reachByKeyboard(p, '.app-table-scroll');

    // A panel's figure opens its list.
    await Promise.all([p.waitForURL('**/cases?queue=riskApprovals', { waitUntil: 'domcontentloaded' }), p.locator('[data-queue=riskApprovals] a').click()]);
    expect(await p.locator('[data-caseload] tbody tr').count()).toBe(1);
    await check(p, 'Risk assessments to approve');

    expect(await supervisor.visit('/supervision/new')).toBe(200);
    await check(p, 'Record a supervision session');
    await press(p, 'Record the session');
    expect(await errorSummary(p)).toEqual([
      expect.stringMatching(/^#\S+ Select the practitioner who was supervised$/),
      '#heldOn-day Enter the date of the session',
      '#note Enter a note of the session',
    ]);
    await check(p, 'Record a supervision session', { error: true });
    expect(supervisor.errors).toEqual([]);
  });

  it('the case page and its audited history with the statechart open, checked, and with an entry changed in the database', async () => {
    const t = staff.facilitator.token;
    const c = caseClient(app, await openCase(app, staff));
    await consentBoth(c, t);
    await riskRevisedToLow(c, t);
    await c.ok(t, { type: 'ADD_NOTE', text: 'The victim asked for a call after 5pm.' });
    const p = supervisor.page;

    expect(await supervisor.visit(`/cases/${c.id}`)).toBe(200);
    await openStatechart(p);
    await check(p, /^RJ-2026-\d{6} Preparation$/);
    await reachByKeyboard(p, '.app-statechart-frame');

    await Promise.all([p.waitForURL(`**/cases/${c.id}/history`, { waitUntil: 'domcontentloaded' }), p.locator('[data-audited-history]').click()]);
    const kinds = await p.locator('[data-history] tbody tr').evaluateAll((trs) => [...new Set(trs.map((tr) => tr.getAttribute('data-kind')))].sort());
    expect(kinds).toEqual(['events', 'notices', 'views']);
    await openStatechart(p);
    await check(p, /^Audited history of case RJ-2026-\d{6}$/);

    // The integrity check, passed.
    await press(p, 'Check the integrity of the history');
    expect(new URL(p.url()).searchParams.get('check')).toBe('chain');
    expect(await p.locator('[data-chain-result]').getAttribute('data-chain-result')).toBe('intact');
    await openStatechart(p);
    await check(p, /^Audited history of case RJ-2026-\d{6}$/);

    // Someone with the database file rewrites the note, where its text is kept apart (the last test here: the service-wide chain stays broken).
    const seq = Number(await p.locator('[data-history] tr[data-kind=events]').first().getAttribute('data-seq'));
    const raw = new Database(app.dbPath, { fileMustExist: true });
    try {
      raw.pragma('busy_timeout = 5000');
      raw.exec('DROP TRIGGER history_content_erase_only');
      expect(raw.prepare('UPDATE history_content SET content = ? WHERE seq = ?').run('{"text":"Nothing to note."}', seq).changes).toBe(1);
    } finally {
      raw.close();
    }
    expect(await supervisor.visit(`/cases/${c.id}/history?check=chain`)).toBe(200);
    expect(await p.locator('[data-broken-entries] a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual([`#entry-${seq}`]);
    expect(await p.locator(`#entry-${seq}`).getAttribute('data-integrity')).toBe('altered');
    expect(await p.locator(`#entry-${seq}`).innerText()).toContain('Broken: this entry has been changed since it was recorded');
    expect(await p.locator('[data-chain-result]').getAttribute('data-chain-result')).toBe('broken');
    await openStatechart(p);
    // Not a form's error: the title names the page as it is.
    await check(p, /^Audited history of case RJ-2026-\d{6}$/);
    // The summary's link leads to the broken row.
    await p.locator('[data-broken-entries] a').first().click();
    await expect.poll(() => p.evaluate(() => location.hash)).toBe(`#entry-${seq}`);
    expect(supervisor.errors).toEqual([]);
  });

  it('the reports with figures in every chart and table, and a period it cannot read', async () => {
    const p = supervisor.page;
    expect(await supervisor.visit('/reports')).toBe(200);
    expect(await p.locator('[data-report]').count()).toBeGreaterThan(3);
    expect(await p.locator('[data-report] svg.app-chart').count()).toBeGreaterThan(0);
    expect(await p.locator('table[data-table^="/reports/funnel.csv"] tbody tr').first().innerText()).toMatch(/^Referred\s+\d+/);
    await check(p, 'Reports for the commissioner');

    expect(await supervisor.visit('/reports?from-day=31&from-month=2&from-year=2026&to-day=1&to-month=3&to-year=2026')).toBe(422);
    expect(await errorSummary(p)).toEqual(['#from-day The start of the period must be a real date']);
    expect(await p.locator('[data-report]').count()).toBe(0);
    await check(p, 'Reports for the commissioner', { error: true });
    expect(supervisor.errors).toEqual([]);
  });
});
