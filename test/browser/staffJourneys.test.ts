import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { caseClient, consentBoth, lowRisk, prepareBoth, types } from '../api/apiSteps.js';
import { startSmtpSink, type SmtpSink } from '../mail/support/smtpSink.js';
import { addStaff, openCase, startApp, tempDir, type Staff, type TestApp } from '../support/harness.js';
import { launchChromium, watchErrors } from './chromium.js';
import { checkAndConfirm, cheapPasswords, fillDate, heading, offeredOn, openStep as openForm, quickContext, save, staffPage, summaryRows, timeline, type StaffPage } from './staffSteps.js';

/**
 * Whole cases walked through the staff pages in Chromium, each staff member in a
 * browser context of their own, the victim in one with no staff session at all,
 * answering the invitation that reached a real SMTP server on loopback.
 */
describe('staff take cases from referral to closure in Chromium', () => {
  /** What the emails link to; the victim's browser sends it on to the app's loopback port. */
  const publicUrl = 'http://rj.test';
  const tmp = tempDir();
  let sink: SmtpSink;
  let app: TestApp;
  let staff: Staff;
  let browser: Browser;
  /** One browser context per staff member for the whole file, each signed in once (again only when a session lapses). */
  let facilitator: StaffPage;
  let supervisor: StaffPage;
  /** Not on any case: signed in when the direct path needs them to sign a closure off. */
  let supervisor2: StaffPage | undefined;

  beforeAll(async () => {
    sink = await startSmtpSink();
    const started = startApp(`${tmp.dir}/rj.sqlite`, undefined, { SMTP_URL: sink.url, SMTP_TIMEOUT_MS: '5000', BASE_URL: publicUrl }).then(async (a) => ({ a, s: await addStaff(a.services) }));
    [{ a: app, s: staff }, browser] = await Promise.all([started, launchChromium()]);
    await cheapPasswords(app, [staff.supervisor, staff.supervisor2, staff.facilitator, staff.facilitator2]);
    [facilitator, supervisor] = await Promise.all([staffPage(browser, app.baseUrl, staff.facilitator), staffPage(browser, app.baseUrl, staff.supervisor)]);
  });
  /** No script errors and no Content-Security-Policy refusals in any staff page a test opened. */
  afterEach(() => {
    for (const who of [facilitator, supervisor, supervisor2]) if (who) expect(who.errors, who.user.email).toEqual([]);
  });
  // Sign-ins are limited per minute on the app's clock: each test starts a fresh minute.
  beforeEach(() => app.clock.advance(60_000));
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await sink?.close();
    tmp.remove();
  });

  const api = (caseId: string) => caseClient(app, caseId);
  /** Each step a minute after the one before, as in life: the history orders its entries by time. */
  const openStep = (who: StaffPage, caseId: string, type: string) => {
    app.clock.advance(60_000);
    return openForm(who, caseId, type);
  };

  it('an indirect path: shuttle messages, an exchange recorded, the exchange completed, then closure', async () => {
    const c = api(await openCase(app, staff));
    await consentBoth(c, staff.facilitator.token);
    await lowRisk(c, staff.facilitator.token);
    await prepareBoth(c, staff.facilitator.token);
    const f = facilitator.page;

    await openStep(facilitator, c.id, 'CHOOSE_PROCESS');
    await f.getByLabel('Shuttle messages passed on by the facilitator').check();
    await save(f);
    expect((await f.locator('[data-next-step]').textContent())!.trim()).toBe('Start the indirect exchange');
    expect(await offeredOn(f)).not.toContain('SCHEDULE_CONFERENCE');

    await openStep(facilitator, c.id, 'START_INDIRECT_EXCHANGE');
    await save(f);
    await openStep(facilitator, c.id, 'RECORD_INDIRECT_EXCHANGE');
    await f.getByLabel('What was passed on').fill("The victim's questions, and the offender's answers");
    await save(f);
    await openStep(facilitator, c.id, 'COMPLETE_INDIRECT');
    expect(await save(f)).toContain('feedback');

    // Closure reasons that do not fit an indirect exchange with no agreement are not offered.
    await openStep(facilitator, c.id, 'REQUEST_CLOSURE');
    expect(await f.getByLabel('Direct process completed', { exact: true }).count()).toBe(0);
    await f.getByLabel('Indirect process completed').check();
    await f.locator('#note').fill('Both parties satisfied with the exchange');
    const request = await checkAndConfirm(f);
    expect(request.rows).toMatchObject({ 'Why should the case close?': 'Indirect process completed', Note: 'Both parties satisfied with the exchange' });

    await openStep(supervisor, c.id, 'APPROVE_CLOSURE');
    await checkAndConfirm(supervisor.page);
    expect((await supervisor.page.locator('[data-next-step]').textContent())!.trim()).toBe('Closed: Indirect process completed');
    expect(await c.get(staff.supervisor.token)).toMatchObject({ status: 'closed', process: 'shuttle', closureReason: 'completed_indirect' });
    expect(types(await c.history(staff.supervisor.token)).slice(-6)).toEqual([
      'CHOOSE_PROCESS',
      'START_INDIRECT_EXCHANGE',
      'RECORD_INDIRECT_EXCHANGE',
      'COMPLETE_INDIRECT',
      'REQUEST_CLOSURE',
      'APPROVE_CLOSURE',
    ]);
  });

  it('a high risk: another supervisor approves it; a supervisor who assessed it is refused, with the reason', async () => {
    const f = facilitator.page;
    const s = supervisor.page;
    const submitHighRisk = async (who: StaffPage, caseId: string) => {
      await openStep(who, caseId, 'SUBMIT_RISK_ASSESSMENT');
      await who.page.getByLabel('Power imbalance between the parties').fill('Offender is the victim’s landlord');
      await who.page.getByLabel('High', { exact: true }).check();
      await who.page.getByLabel('No, indirect contact only').check();
      const checked = await checkAndConfirm(who.page);
      expect(checked.rows['Overall risk level']).toBe('High');
    };

    // Assessed by the facilitator: the first supervisor may approve it.
    const a = api(await openCase(app, staff));
    await consentBoth(a, staff.facilitator.token);
    await submitHighRisk(facilitator, a.id);
    expect((await f.locator('[data-next-step]').textContent())!.trim()).toBe('Waiting for a supervisor to approve the risk assessment');
    expect(await f.locator('.govuk-inset-text').allInnerTexts()).toContain('A supervisor must approve the risk assessment.');
    await openStep(supervisor, a.id, 'APPROVE_RISK');
    await s.locator('#note').fill('Indirect contact only, as assessed');
    const approved = await checkAndConfirm(s);
    expect(approved.title).toBe('Check your answers: approve the risk assessment');
    const afterApproval = await a.get(staff.supervisor.token);
    expect(afterApproval).toMatchObject({ stage: 'preparation', risk: { level: 'high', directContactAllowed: false, approvedBy: staff.supervisor.id } });
    expect((await summaryRows(s))['Risk']).toBe('high, indirect contact only, approved');

    // Assessed by the first supervisor on another case: they may not approve their own assessment.
    const b = api(await openCase(app, staff));
    await consentBoth(b, staff.facilitator.token);
    // Recording it led back to the case page, which now holds the approval back.
    await submitHighRisk(supervisor, b.id);
    expect(await offeredOn(s)).not.toContain('APPROVE_RISK');
    const blocked = s.locator('[data-blocked-event="APPROVE_RISK"]');
    expect(await blocked.count()).toBe(1);
    expect(await blocked.locator('li').allInnerTexts()).toContain('You assessed this risk, so another supervisor must approve it.');

    const refused = await supervisor.visit(`/cases/${b.id}/events/APPROVE_RISK`);
    expect(refused).toBe(409);
    expect(await heading(s)).toBe('You cannot approve the risk assessment now');
    expect(await s.locator('[data-reasons] li').allInnerTexts()).toEqual(['You assessed this risk, so another supervisor must approve it.']);
    expect(await s.locator('[data-reasons] li').first().getAttribute('data-rule')).toBe('approverIsNotAssessor');
    const refusedByApi = await b.refused(staff.supervisor.token, { type: 'APPROVE_RISK' }, 409);
    expect(refusedByApi.reasons).toContainEqual({ rule: 'approverIsNotAssessor', message: 'You assessed this risk, so another supervisor must approve it.' });
    // The second supervisor is offered it.
    expect((await b.get(staff.supervisor2.token)).allowedEvents).toContain('APPROVE_RISK');
  });

  it('the direct path: referral, the victim says yes through the emailed link, conference, agreement, closure signed off by another supervisor', async () => {
    // The first supervisor enters the referral.
    const s = supervisor.page;
    await supervisor.visit('/');
    await s.getByRole('link', { name: 'New referral' }).first().click();
    await s.waitForURL('**/cases/new', { waitUntil: 'domcontentloaded' });
    await s.locator('#referrer-agency').fill('Northshire Police');
    await s.locator('#referrer-name').fill('PC Dana Jones');
    await s.locator('#referrer-email').fill('dana.jones@police.example');
    await s.locator('#offence-type').fill('burglary');
    await fillDate(s, 'offence-date', '2026-10-01');
    await s.locator('#offence-description').fill('Burglary of a dwelling');
    await s.getByLabel('After sentence').check();
    await s.getByLabel('The referring agency').check();
    await s.locator('#victim-name').fill('Vera Victim');
    await s.locator('#victim-email').fill('vera.walker@example.org');
    await s.locator('#offender-name').fill('Oscar Offender');
    const entered = await save(s, 'Enter the referral');
    expect(entered).toMatch(/Referral entered: RJ-2026-\d{6}/);
    const caseId = new URL(s.url()).pathname.split('/').at(-1)!;
    expect(await offeredOn(s)).toContain('ACCEPT_REFERRAL');

    // It accepts it, allocating facilitator 1.
    await openStep(supervisor, caseId, 'ACCEPT_REFERRAL');
    await s.getByLabel('facilitator 1').check();
    await save(s);
    expect((await summaryRows(s)).Facilitators).toBe('facilitator 1');

    // The facilitator finds it on their caseload and invites the victim.
    const f = facilitator.page;
    await facilitator.visit('/');
    await f.locator('[data-caseload] a', { hasText: /RJ-2026-/ }).first().click();
    await f.waitForURL(`**/cases/${caseId}`, { waitUntil: 'domcontentloaded' });
    // Mail the earlier tests queued goes out first, so that what reaches the server next is this case's.
    await app.services.outbox.deliverDue();
    await openStep(facilitator, caseId, 'INVITE_VICTIM');
    expect(await save(f, 'Send the invitation')).toContain('We are emailing the victim an invitation to take part.');

    // The invitation reaches the SMTP server; the victim follows its link in a browser with no staff session.
    const before = sink.received.length;
    await app.services.outbox.deliverDue();
    await sink.untilReceived(before + 1);
    const invitation = sink.received.slice(before).find((m) => m.envelopeTo.includes('vera.walker@example.org') && m.parsed.subject === 'Would you like to take part in restorative justice?');
    expect(invitation, 'the invitation at the SMTP server').toBeDefined();
    const link = /Reply to this invitation: (\S+)/.exec(invitation!.parsed.text ?? '')?.[1];
    expect(link).toMatch(new RegExp(`^${publicUrl}/`));
    app.clock.advance(60_000);
    const victim = await (await quickContext(browser, app.baseUrl, {}, publicUrl)).newPage();
    const victimErrors = watchErrors(victim);
    await victim.goto(link!);
    expect(await heading(victim)).toBe('Reply to your invitation');
    await victim.getByRole('button', { name: 'Continue' }).click();
    await victim.getByLabel('Yes, I am interested').check();
    await victim.getByLabel('Meet the person responsible, with a facilitator there').check();
    await victim.getByRole('button', { name: 'Send my answer' }).click();
    await victim.locator('.govuk-panel__title').waitFor();
    expect((await victim.locator('.govuk-panel__title').textContent())!.trim()).toBe('Thank you for your answer');
    expect(victimErrors).toEqual([]);

    // The facilitator sees the answer in the history, then records the offender's response.
    await facilitator.visit(`/cases/${caseId}`);
    expect(await timeline(f)).toContainEqual("Record the victim's answer | by the victim, through their link");
    await openStep(facilitator, caseId, 'RECORD_OFFENDER_RESPONSE');
    await f.getByLabel('Willing to take part').check();
    await save(f);

    // The risk assessment is shown back before it is recorded.
    await openStep(facilitator, caseId, 'SUBMIT_RISK_ASSESSMENT');
    await f.getByLabel('Safety of each participant').fill('No concerns for either party');
    await f.getByLabel('Low', { exact: true }).check();
    await f.getByLabel('Yes, a face-to-face meeting can be considered').check();
    const risk = await checkAndConfirm(f);
    expect(risk.title).toBe('Check your answers: submit the risk assessment');
    expect(risk.rows).toMatchObject({ 'Safety of each participant': 'No concerns for either party', 'Overall risk level': 'Low', 'Is direct contact between the parties allowed?': 'Yes, a face-to-face meeting can be considered' });
    expect((await summaryRows(f))['Risk']).toBe('low, direct contact allowed');

    for (const [party, note] of [
      ['The victim', 'Met at home: wants to ask why'],
      ['The offender', 'Met at probation: ready to apologise'],
    ] as const) {
      await openStep(facilitator, caseId, 'RECORD_PREPARATION');
      await f.getByLabel(party).check();
      await f.locator('#note').fill(note);
      await save(f);
    }
    await openStep(facilitator, caseId, 'CHOOSE_PROCESS');
    await f.getByLabel('A conference (face to face, or by video)').check();
    await save(f);

    // Scheduled in the date and time boxes, in UK time (GMT in December).
    await openStep(facilitator, caseId, 'SCHEDULE_CONFERENCE');
    await fillDate(f, 'startsAt', '2026-12-02', '10:30');
    await f.getByLabel('Venue').fill('Community centre, Market Street');
    await save(f);
    expect((await summaryRows(f))['Conference']).toMatch(/2 December 2026.*10:30am, Community centre, Market Street/);
    expect((await api(caseId).get(staff.facilitator.token)).conference.startsAt).toBe('2026-12-02T10:30:00.000Z');

    // After the conference (the sessions lapsed meanwhile: each signs in again), the outcome with one agreement item.
    app.clock.set('2026-12-02T13:00:00Z');
    await openStep(facilitator, caseId, 'RECORD_OUTCOME');
    await f.getByLabel('The victim').check();
    await f.getByLabel('The offender').check();
    await f.locator('#agreement-0-action').fill('Write a letter of apology');
    await f.locator('#agreement-0-owner').fill('offender');
    await fillDate(f, 'agreement-0-dueDate', '2026-12-16');
    await save(f);
    expect(await f.locator('table[data-agreement] tbody tr').allInnerTexts()).toEqual([expect.stringMatching(/item-1\s+Write a letter of apology\s+offender\s+.*16 December 2026\s+Pending/)]);

    await openStep(facilitator, caseId, 'COMPLETE_AGREEMENT_ITEM');
    await f.getByLabel('Write a letter of apology').check();
    await save(f);

    await openStep(facilitator, caseId, 'REQUEST_CLOSURE');
    await f.getByLabel('Agreement fulfilled').check();
    const request = await checkAndConfirm(f);
    expect(request.rows['Why should the case close?']).toBe('Agreement fulfilled');
    expect(await offeredOn(f)).not.toContain('APPROVE_CLOSURE');

    // The second supervisor, not on the case, signs the closure off.
    supervisor2 = await staffPage(browser, app.baseUrl, staff.supervisor2);
    await openStep(supervisor2, caseId, 'APPROVE_CLOSURE');
    const approval = await checkAndConfirm(supervisor2.page);
    expect(approval.title).toBe('Check your answers: sign off the closure');
    const p = supervisor2.page;
    expect((await p.locator('h1 .govuk-tag').textContent())!.trim()).toBe('Closed');
    expect((await p.locator('[data-next-step]').textContent())!.trim()).toBe('Closed: Agreement fulfilled');
    expect((await summaryRows(p))['Status']).toBe('Closed: Agreement fulfilled');
    const steps = (await timeline(p)).filter((t) => !t.startsWith('Email to')).reverse();
    expect(steps).toEqual([
      'Referral received | by supervisor 1 (supervisor)',
      'Accept the referral and allocate facilitators | by supervisor 1 (supervisor)',
      'Invite the victim by email | by facilitator 1 (facilitator)',
      "Record the victim's answer | by the victim, through their link",
      "Record the offender's response | by facilitator 1 (facilitator)",
      'Submit the risk assessment | by facilitator 1 (facilitator)',
      'Record a preparation meeting | by facilitator 1 (facilitator)',
      'Record a preparation meeting | by facilitator 1 (facilitator)',
      'Choose the process | by facilitator 1 (facilitator)',
      'Schedule the conference | by facilitator 1 (facilitator)',
      'Record the conference outcome | by facilitator 1 (facilitator)',
      'Mark an agreement item completed | by facilitator 1 (facilitator)',
      'Ask for the case to be closed | by facilitator 1 (facilitator)',
      'Sign off the closure | by supervisor 2 (supervisor)',
    ]);

    // The API agrees.
    const closed = await api(caseId).get(staff.supervisor.token);
    expect(closed).toMatchObject({ status: 'closed', stage: 'closed', closureReason: 'agreement_fulfilled', allowedEvents: [] });
    expect(closed.agreement).toMatchObject([{ id: 'item-1', status: 'completed' }]);
    const history = await api(caseId).history(staff.supervisor.token);
    expect(types(history)).toEqual([
      'REFERRAL_RECEIVED',
      'ACCEPT_REFERRAL',
      'INVITE_VICTIM',
      'VICTIM_RESPONDED',
      'RECORD_OFFENDER_RESPONSE',
      'SUBMIT_RISK_ASSESSMENT',
      'RECORD_PREPARATION',
      'RECORD_PREPARATION',
      'CHOOSE_PROCESS',
      'SCHEDULE_CONFERENCE',
      'RECORD_OUTCOME',
      'COMPLETE_AGREEMENT_ITEM',
      'REQUEST_CLOSURE',
      'APPROVE_CLOSURE',
    ]);
    expect(history.events.find((e) => e.type === 'VICTIM_RESPONDED')).toMatchObject({ actor: { kind: 'party', role: 'victim' }, data: { response: 'yes', preferredProcess: 'conference' } });
    expect(history.events.find((e) => e.type === 'APPROVE_CLOSURE')!.actor.id).toBe(staff.supervisor2.id);
    expect((await app.request('GET', '/api/audit/verify', { token: staff.supervisor.token })).body).toMatchObject({ ok: true });
  });
});
