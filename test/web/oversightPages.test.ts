import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { caseClient, consentBoth, lowRisk, prepareBoth, riskRevisedToLow, type CaseClient } from '../api/apiSteps.js';
import { days, openCase, sampleReferral, withApp } from '../support/harness.js';
import { linkToken, partyClient } from './partySteps.js';
import { errorSummary, staffBrowser, type Page } from './staffBrowser.js';

/**
 * The supervisors' oversight pages over real HTTP: the dashboard and its lists,
 * supervision sessions, a case's audited history with its integrity check and
 * exports, and who may see any of them.
 */

const count = (page: Page, queue: string) => Number(page.$(`[data-queue=${queue}] [data-count]`).text().trim());
const references = (page: Page) => page.$('[data-caseload] tbody tr th a').map((_, a) => page.$(a).text().trim()).get().sort();

describe('who may see the oversight pages', () => {
  const env = withApp();

  it('supervisors only: a facilitator is refused each page and export, one not on the case is told it does not exist, and a visitor must sign in', async () => {
    const { app, staff } = env;
    const caseId = await openCase(app, staff);
    const period = 'from=2026-10-01&to=2026-12-31';

    const facilitator = staffBrowser(app);
    const home = await facilitator.signIn(staff.facilitator.email);
    expect(home.$('h1').text().trim()).toBe('Your cases');
    expect(home.$('nav a').map((_, a) => home.$(a).text().trim()).get()).not.toContain('Reports');
    for (const path of ['/supervision/new', '/reports', `/reports/funnel.csv?${period}`, `/cases/${caseId}/history`, `/cases/${caseId}/history.csv`, `/cases/${caseId}/history.json`]) {
      const page = await facilitator.get(path);
      expect(page.status, path).toBe(403);
      expect(page.$('h1').text().trim(), path).toBe('You cannot do this');
      expect(page.html, path).not.toContain('Vera Victim');
    }
    const refusedPost = await facilitator.post('/supervision/new', { ...facilitator.hiddenOf(home), facilitatorId: staff.facilitator.id, note: 'x' });
    expect(refusedPost.status).toBe(403);
    // The case page offers a supervisor's audited history; a facilitator's does not.
    const facilitatorsCase = await facilitator.get(`/cases/${caseId}`);
    expect(facilitatorsCase.$('[data-audited-history]').length).toBe(0);
    // What only a supervisor may do is said as what it is: a choice, not a step the case waits for.
    expect(facilitatorsCase.$('.govuk-inset-text').map((_, p) => facilitatorsCase.$(p).text().trim()).get()).toEqual([
      'A supervisor can reassign the case to other facilitators.',
      "A supervisor can correct a party's contact details.",
    ]);

    const other = staffBrowser(app);
    await other.signIn(staff.facilitator2.email);
    for (const path of [`/cases/${caseId}/history`, `/cases/${caseId}/history.csv`]) expect((await other.get(path)).status, path).toBe(404);

    const visitor = staffBrowser(app);
    for (const path of ['/reports', `/cases/${caseId}/history`, '/supervision/new']) {
      const page = await visitor.get(path);
      expect(page.status, path).toBe(303);
      expect(page.location, path).toMatch(/^\/sign-in\?returnTo=/);
    }

    // The API says the same to each.
    for (const path of [`/api/cases/${caseId}/audit`, `/api/reports?${period}`, `/api/reports/funnel?${period}`]) {
      expect((await app.request('GET', path)).status, path).toBe(401);
      expect((await app.request('GET', path, { token: staff.facilitator.token })).status, path).toBe(403);
    }
    expect((await app.request('GET', `/api/cases/${caseId}/audit`, { token: staff.facilitator2.token })).status).toBe(404);
    // None of those refusals was logged as a read of the case.
    const views = (await app.services.store.views(caseId)).filter((v) => v.kind !== 'case');
    expect(views).toEqual([]);
  });
});

describe('the dashboard', () => {
  const env = withApp();

  it('counts each list a supervisor acts on, each count opening exactly those cases', async () => {
    const { app, staff } = env;
    const t = staff.facilitator.token;
    const reference = async (c: CaseClient) => (await c.get(t)).reference as string;

    // One of each: a referral not yet screened ...
    const created = await app.request('POST', '/api/cases', { token: staff.supervisor.token, body: sampleReferral() });
    const unscreened = created.body.case.reference as string;
    // ... a high risk waiting for approval ...
    const risky = caseClient(app, await openCase(app, staff));
    await consentBoth(risky, t);
    await risky.ok(t, { type: 'SUBMIT_RISK_ASSESSMENT', level: 'high', factors: { safety: 'threats' }, directContactAllowed: false });
    // ... a closure waiting for sign-off ...
    const closing = caseClient(app, await openCase(app, staff));
    await closing.ok(t, { type: 'REQUEST_CLOSURE', reason: 'victim_declined' });
    // ... an invitation to a victim with no email address ...
    const phoneOnly = caseClient(app, await openCase(app, staff, sampleReferral({ victim: { name: 'Vic Phoneonly', phone: '01234 567891' } })));
    await phoneOnly.ok(t, { type: 'INVITE_VICTIM' });
    // ... and a pause meant to end in a week.
    const paused = caseClient(app, await openCase(app, staff));
    await paused.ok(t, { type: 'PAUSE', reason: 'The victim is in hospital.', until: '2026-11-30' });

    let supervisor = staffBrowser(app);
    let dashboard = await supervisor.signIn(staff.supervisor.email);
    expect(dashboard.$('h1').text().trim()).toBe('Dashboard');
    expect(count(dashboard, 'referrals')).toBe(1);
    expect(count(dashboard, 'riskApprovals')).toBe(1);
    expect(count(dashboard, 'closureSignOffs')).toBe(1);
    expect(count(dashboard, 'undeliverable')).toBe(1);
    for (const queue of ['clocksOverdue', 'itemsOverdue', 'stalled', 'pausedPastEnd']) expect(count(dashboard, queue), queue).toBe(0);

    const listed = async (queue: string) => {
      const href = dashboard.$(`[data-queue=${queue}] a`).attr('href')!;
      expect(href).toBe(`/cases?queue=${queue}`);
      const list = await supervisor.get(href);
      expect(list.status).toBe(200);
      expect(list.$('h1').text().trim()).toBe(dashboard.$(`[data-queue=${queue}] .app-dashboard-panel__title`).text().trim());
      return references(list);
    };
    expect(await listed('referrals')).toEqual([unscreened]);
    expect(await listed('riskApprovals')).toEqual([await reference(risky)]);
    expect(await listed('closureSignOffs')).toEqual([await reference(closing)]);
    expect(await listed('undeliverable')).toEqual([await reference(phoneOnly)]);

    // Three weeks on: the pause is past its end, nothing has happened on the cases, and the Victims' Code deadlines have passed.
    // (Their session has long expired: they sign in again.)
    app.clock.advance(days(21));
    supervisor = staffBrowser(app);
    dashboard = await supervisor.signIn(staff.supervisor.email);
    expect(await listed('pausedPastEnd')).toEqual([await reference(paused)]);
    // Every open case but the paused one has stalled (the unscreened referral too).
    expect(count(dashboard, 'stalled')).toBe(4);
    expect(await listed('stalled')).not.toContain(await reference(paused));
    expect(count(dashboard, 'clocksOverdue')).toBeGreaterThan(0);
    expect(await listed('clocksOverdue')).toContain(unscreened);

    // An unknown list is ignored, not an error: the list of all cases.
    const unknown = await supervisor.get('/cases?queue=nonsense');
    expect(unknown.status).toBe(200);
    expect(unknown.$('h1').text().trim()).toBe('All cases');
  });

  it('shows each facilitator’s open cases by stage, and records their supervision sessions', async () => {
    const { app, staff } = env;
    /** The sessions stored for a practitioner, as the database holds them. */
    const sessionsOf = (facilitatorId: string) => {
      const raw = new Database(app.dbPath, { readonly: true });
      try {
        return raw.prepare('SELECT held_on, recorded_by, note FROM supervision_sessions WHERE facilitator_id = ?').all(facilitatorId);
      } finally {
        raw.close();
      }
    };
    const supervisor = staffBrowser(app);
    const dashboard = await supervisor.signIn(staff.supervisor.email);
    const row = (page: Page, name: string) => page.$(`[data-caseloads] tr[data-facilitator="${name}"]`);
    const first = row(dashboard, 'facilitator 1');
    // Facilitator 1 holds every allocated case of the test above; facilitator 2 none.
    expect(first.find('td').eq(-2).text().trim()).toBe('4');
    expect(row(dashboard, 'facilitator 2').find('td').eq(-2).text().trim()).toBe('0');
    expect(first.find('[data-supervision]').attr('data-supervision')).toBe('never');
    const mine = await supervisor.get(first.find('a').attr('href')!);
    expect(references(mine)).toHaveLength(4);

    // The form: sent empty, then with a date still to come.
    const path = '/supervision/new';
    const empty = await supervisor.fill(path, {});
    expect(empty.status).toBe(422);
    expect(errorSummary(empty).map((e) => e.text)).toEqual(['Select the practitioner who was supervised', 'Enter the date of the session', 'Enter a note of the session']);
    const today = app.clock().toISOString().slice(0, 10);
    const [y, m, d] = today.split('-');
    const answers = { facilitatorId: staff.facilitator.id, 'heldOn-day': d!, 'heldOn-month': m!, 'heldOn-year': y!, note: 'Reviewed RJ-2026-000002.' };
    const future = await supervisor.fill(path, { ...answers, 'heldOn-year': String(Number(y) + 1) });
    expect(future.status).toBe(422);
    expect(errorSummary(future)).toEqual([{ href: '#heldOn-day', text: 'The date of the session must be today or in the past' }]);
    expect(future.$('#note').text()).toBe('Reviewed RJ-2026-000002.');
    expect(sessionsOf(staff.facilitator.id)).toEqual([]);

    const recorded = await supervisor.fill(path, answers);
    expect(recorded.location).toBe('/#caseloads');
    const after = await supervisor.follow(recorded);
    expect(after.$('.govuk-notification-banner').text()).toContain('Supervision session recorded');
    expect(row(after, 'facilitator 1').find('[data-supervision]').attr('data-supervision')).toBe('upToDate');
    expect(sessionsOf(staff.facilitator.id)).toEqual([{ held_on: today, recorded_by: staff.supervisor.id, note: 'Reviewed RJ-2026-000002.' }]);

    // Eleven weeks on it is due; past twelve, overdue.
    app.clock.advance(days(11 * 7));
    expect(row(await staffBrowser(app).signIn(staff.supervisor.email), 'facilitator 1').find('[data-supervision]').attr('data-supervision')).toBe('due');
    app.clock.advance(days(2 * 7));
    expect(row(await staffBrowser(app).signIn(staff.supervisor.email), 'facilitator 1').find('[data-supervision]').attr('data-supervision')).toBe('overdue');
  });
});

describe('a case’s audited history', () => {
  const env = withApp();

  /** The history page's rows: kind, entry, who, and details, newest first. */
  const rows = (page: Page) =>
    page.$('[data-history] tbody tr').map((_, tr) => {
      const row = page.$(tr);
      return { kind: row.attr('data-kind'), seq: row.attr('data-seq'), integrity: row.attr('data-integrity'), entry: row.find('th').text().trim().replace(/\s+/g, ' '), who: row.find('td').eq(1).text().trim(), details: row.find('td').eq(2).text().trim().replace(/\s+/g, ' ') };
    }).get();

  it('shows every event with its changes in words, every email with its delivery, and every read of the case, each read logged', async () => {
    const { app, staff } = env;
    const t = staff.facilitator.token;
    const c = caseClient(app, await openCase(app, staff));
    await consentBoth(c, t);
    await riskRevisedToLow(c, t);
    app.clock.advance(60_000);

    const supervisor = staffBrowser(app);
    await supervisor.signIn(staff.supervisor.email);
    const casePage = await supervisor.get(`/cases/${c.id}`);
    expect(casePage.$('[data-audited-history]').attr('href')).toBe(`/cases/${c.id}/history`);
    const page = await supervisor.get(`/cases/${c.id}/history`);
    expect(page.status).toBe(200);
    expect(page.$('h1').text()).toContain('Audited history');
    const entries = rows(page);
    const assessments = entries.filter((r) => r.kind === 'events' && r.entry.startsWith('Submit the risk assessment'));
    expect(assessments.map((a) => a.details)).toEqual([
      expect.stringContaining('Risk level: high → low'),
      expect.stringContaining('Risk level: high'),
    ]);
    expect(assessments[0]!.details).toContain('Direct contact allowed: no → yes');
    expect(assessments[0]!.who).toBe('facilitator 1 (facilitator)');
    expect(entries.find((r) => r.entry.startsWith('Revise the risk assessment'))!.details).toContain('Reason: The police have no further concerns.');
    // No raw JSON anywhere on the page.
    expect(page.$('main').text()).not.toMatch(/[{]"|":/);
    // The invitation email, with its delivery.
    expect(entries.some((r) => r.kind === 'notices' && /invitation/i.test(r.entry))).toBe(true);
    // The reads: the case page, then this page, newest first, by whom.
    expect(entries.filter((r) => r.kind === 'views').map((r) => [r.entry, r.who])).toEqual([
      ['Opened the audited history Views and exports', 'supervisor 1'],
      ['Opened the case page Views and exports', 'supervisor 1'],
    ]);
    // Every event row is intact, and is anchored by its entry number.
    expect(entries.filter((r) => r.kind === 'events').every((r) => r.integrity === 'intact')).toBe(true);
    expect(page.$('#entry-1').attr('data-kind')).toBe('events');
    // The statechart, with the case's state marked.
    expect(page.$('[data-statechart] svg').length).toBe(1);
    expect(page.$('[data-statechart] [data-current-states] li').map((_, li) => page.$(li).attr('data-state')).get()).toEqual(['case.open.preparation']);

    // Kinds of entry can be shown alone.
    const onlyViews = rows(await supervisor.get(`/cases/${c.id}/history?show=views`));
    expect(new Set(onlyViews.map((r) => r.kind))).toEqual(new Set(['views']));
    // An unknown kind falls back to every kind.
    expect(new Set(rows(await supervisor.get(`/cases/${c.id}/history?show=secrets`)).map((r) => r.kind))).toEqual(new Set(['events', 'notices', 'views']));

    // The CSV: the export logs itself, then holds every entry.
    const csv = await supervisor.get(`/cases/${c.id}/history.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="?RJ-2026-\d{6}-history\.csv"?$/);
    const lines = csv.html.trim().split('\r\n');
    expect(lines[0]).toBe('kind,seq,at,who,entry,from_state,to_state,changes,delivery,attempts,integrity');
    expect(lines[1]).toMatch(/^views,,[^,]+,supervisor 1,Exported the case history,/);
    expect(lines.some((l) => l.includes('Risk level: high → low'))).toBe(true);

    const json = await supervisor.get(`/cases/${c.id}/history.json`);
    const exported = JSON.parse(json.html);
    expect(exported).toMatchObject({ case: { id: c.id }, exportedBy: 'supervisor 1', integrity: { entries: (await c.history(t)).events.length, broken: [] } });
    const approvedLow = exported.entries.find((e: any) => e.type === 'SUBMIT_RISK_ASSESSMENT' && e.data.level === 'low');
    expect(approvedLow).toMatchObject({ kind: 'events', who: 'facilitator 1 (facilitator)', integrity: 'intact', changes: expect.arrayContaining(['Risk level: high → low']) });

    // The store's log has the same reads, of each kind.
    expect((await app.services.store.views(c.id)).map((v) => v.kind).sort()).toEqual(['case', 'export', 'export', 'history', 'history', 'history']);
    // So does the API's audit, which logs itself as an export.
    const audit = await app.request('GET', `/api/cases/${c.id}/audit`, { token: staff.supervisor2.token });
    expect(audit.status).toBe(200);
    expect(audit.body.views.some((v: any) => v.userId === staff.supervisor2.id && v.kind === 'export')).toBe(true);
    expect(audit.body.integrity).toEqual({ entries: audit.body.events.length, broken: [] });
  });

  it('marks an entry changed in the database at its row, in the exports and the API, and the integrity check names it', async () => {
    const { app, staff } = env;
    const c = caseClient(app, await openCase(app, staff));
    await c.ok(staff.facilitator.token, { type: 'ADD_NOTE', text: 'The victim asked for a call after 5pm.' });
    const supervisor = staffBrowser(app);
    await supervisor.signIn(staff.supervisor.email);
    const intact = await supervisor.get(`/cases/${c.id}/history?check=chain`);
    expect(intact.$('[data-chain-result]').attr('data-chain-result')).toBe('intact');
    expect(intact.$('[data-broken-entries]').length).toBe(0);

    // Someone with the database file rewrites the note, where its text is kept apart from the chained row.
    const seq = Number(intact.$('[data-history] tr[data-kind=events]').first().attr('data-seq'));
    const raw = new Database(app.dbPath, { fileMustExist: true });
    raw.exec('DROP TRIGGER history_content_erase_only');
    expect(raw.prepare('UPDATE history_content SET content = ? WHERE seq = ?').run('{"text":"Nothing to note."}', seq).changes).toBe(1);
    raw.close();

    const page = await supervisor.get(`/cases/${c.id}/history?check=chain`);
    const row = page.$(`#entry-${seq}`);
    expect(row.attr('data-integrity')).toBe('altered');
    expect(row.hasClass('app-history-row--broken')).toBe(true);
    expect(row.text()).toContain('Broken: this entry has been changed since it was recorded');
    expect(page.$('[data-broken-entries] a').attr('href')).toBe(`#entry-${seq}`);
    expect(page.$('[data-chain-result]').attr('data-chain-result')).toBe('broken');
    expect(page.$('[data-chain-result]').text()).toContain(`entry ${seq}`);
    // The other events still pass.
    expect(page.$('[data-history] tr[data-kind=events][data-integrity=intact]').length).toBe(rows(page).filter((r) => r.kind === 'events').length - 1);

    const csv = (await supervisor.get(`/cases/${c.id}/history.csv`)).html.split('\r\n');
    expect(csv.find((l) => l.startsWith(`events,${seq},`))).toMatch(/,broken: this entry has been changed since it was recorded$/);
    const json = JSON.parse((await supervisor.get(`/cases/${c.id}/history.json`)).html);
    expect(json.integrity.broken).toEqual([{ seq, problem: 'altered' }]);
    const audit = await app.request('GET', `/api/cases/${c.id}/audit`, { token: staff.supervisor.token });
    expect(audit.body.events.find((e: any) => e.seq === seq)).toMatchObject({ integrity: 'altered', data: { text: 'Nothing to note.' } });
    expect((await app.request('GET', '/api/audit/verify', { token: staff.supervisor.token })).body).toMatchObject({ ok: false, firstBadSeq: seq });

    // Another case's history still checks out entry by entry, though the service-wide chain is broken.
    const other = caseClient(app, await openCase(app, staff));
    const otherPage = await supervisor.get(`/cases/${other.id}/history?check=chain`);
    expect(otherPage.$('[data-broken-entries]').length).toBe(0);
    expect(otherPage.$('[data-chain-result]').attr('data-chain-result')).toBe('broken');
    expect(otherPage.$('[data-chain-result] a').attr('href')).toBe(`/cases/${c.id}/history?check=chain#entry-${seq}`);
  });

  it('marks the entry after one deleted from the database as no longer linked, in the page and the export', async () => {
    const { app, staff } = env;
    const c = caseClient(app, await openCase(app, staff));
    for (const text of ['first', 'second', 'third']) await c.ok(staff.facilitator.token, { type: 'ADD_NOTE', text });
    const notes = (await c.history(staff.facilitator.token)).events.filter((e) => e.type === 'ADD_NOTE').map((e) => e.seq);
    const raw = new Database(app.dbPath, { fileMustExist: true });
    raw.exec('DROP TRIGGER IF EXISTS history_no_delete');
    // Whoever deletes a row would not stop at its content row's reference to it.
    raw.pragma('foreign_keys = OFF');
    raw.prepare('DELETE FROM history WHERE seq = ?').run(notes[1]);
    raw.close();

    const supervisor = staffBrowser(app);
    await supervisor.signIn(staff.supervisor.email);
    const page = await supervisor.get(`/cases/${c.id}/history`);
    expect(page.$(`#entry-${notes[1]}`).length).toBe(0);
    expect(page.$(`#entry-${notes[2]}`).attr('data-integrity')).toBe('unlinked');
    expect(page.$(`#entry-${notes[0]}`).attr('data-integrity')).toBe('intact');
    expect(page.$('[data-broken-entries] a').map((_, a) => page.$(a).attr('href')).get()).toEqual([`#entry-${notes[2]}`]);
    const csv = (await supervisor.get(`/cases/${c.id}/history.csv`)).html.split('\r\n');
    expect(csv.find((l) => l.startsWith(`events,${notes[2]},`))).toMatch(/,broken: the entry before it in the chain is missing or was replaced$/);
  });

});

describe('the reports for the commissioner', () => {
  const env = withApp();
  const quarter = 'from=2026-10-01&to=2026-12-31';

  /** A table on the report page as rows of cell text, keyed by its CSV link. */
  const table = (page: Page, csv: string) =>
    page.$(`table[data-table^="/reports/${csv}.csv"] tbody tr`).map((_, tr) => [page.$(tr).children().map((__, td) => page.$(td).text().trim()).get()]).get();

  it('counts a known set of cases the same way on the page, in each CSV and in the API', async () => {
    const { app, staff } = env;
    const [s, f] = [staff.supervisor.token, staff.facilitator.token];
    const create = async (referral = sampleReferral()) => caseClient(app, (await app.request('POST', '/api/cases', { token: s, body: referral })).body.case.id);
    // Three referrals on the same day, screened the next.
    const duplicate = await create();
    const declined = await create(sampleReferral({ referrer: { agency: 'Northshire Probation', name: 'Pat Officer', email: 'pat@probation.example' } }));
    const completed = await create();
    app.clock.advance(days(1));
    await duplicate.ok(s, { type: 'DECLINE_REFERRAL', reason: 'duplicate_referral' });
    for (const c of [declined, completed]) await c.ok(s, { type: 'ACCEPT_REFERRAL', facilitatorIds: [staff.facilitator.id] });
    // The victim says no.
    await declined.ok(f, { type: 'INVITE_VICTIM' });
    // (Her "no" asks for the closure itself.)
    await declined.ok(f, { type: 'VICTIM_RESPONDED', response: 'no' });
    await declined.ok(s, { type: 'APPROVE_CLOSURE' });
    // All the way: a conference, an agreement, kept.
    await consentBoth(completed, f);
    await lowRisk(completed, f);
    await prepareBoth(completed, f);
    await completed.ok(f, { type: 'CHOOSE_PROCESS', process: 'conference' });
    await completed.ok(f, { type: 'SCHEDULE_CONFERENCE', startsAt: new Date(app.clock().getTime() + days(2)).toISOString(), venue: 'Community centre' });
    app.clock.advance(days(2) + 3_600_000);
    await completed.ok(f, { type: 'RECORD_OUTCOME', attendees: ['victim', 'offender'], agreement: [{ action: 'Write a letter of apology', owner: 'offender', dueDate: '2026-12-18' }] });
    await completed.ok(f, { type: 'COMPLETE_AGREEMENT_ITEM', itemId: 'item-1' });
    if ((await completed.get(f)).status !== 'closed') {
      await completed.ok(f, { type: 'REQUEST_CLOSURE', reason: 'agreement_fulfilled' });
      await completed.ok(s, { type: 'APPROVE_CLOSURE' });
    }
    expect((await completed.get(f)).closureReason).toBe('agreement_fulfilled');
    // Both consent, then the victim withdraws.
    const withdrawn = caseClient(app, await openCase(app, staff));
    await consentBoth(withdrawn, f);
    await withdrawn.ok(f, { type: 'WITHDRAW', party: 'victim', reason: 'She has moved on.' });
    await withdrawn.ok(s, { type: 'APPROVE_CLOSURE' });
    // An indirect exchange, completed.
    const indirect = caseClient(app, await openCase(app, staff));
    await consentBoth(indirect, f);
    await lowRisk(indirect, f);
    await prepareBoth(indirect, f);
    await indirect.ok(f, { type: 'CHOOSE_PROCESS', process: 'shuttle' });
    await indirect.ok(f, { type: 'START_INDIRECT_EXCHANGE' });
    await indirect.ok(f, { type: 'RECORD_INDIRECT_EXCHANGE', summary: "The victim's questions and the offender's answers" });
    await indirect.ok(f, { type: 'COMPLETE_INDIRECT' });
    // Both parties rate the service through the links they were emailed.
    for (const [party, rating] of [['victim', '4'], ['offender', '5']] as const) {
      const form = await partyClient(app).open(await linkToken(app, indirect.id, 'feedback_request', 'feedback', party));
      expect((await partyClient(app).submit(form, { rating })).status).toBe(200);
    }
    await indirect.ok(f, { type: 'REQUEST_CLOSURE', reason: 'completed_indirect' });
    await indirect.ok(s, { type: 'APPROVE_CLOSURE' });
    // "Not now": offered again when the date comes, invited again, and a "yes" (still open: the offender has not answered).
    const reoffered = caseClient(app, await openCase(app, staff));
    await reoffered.ok(f, { type: 'INVITE_VICTIM' });
    await reoffered.ok(f, { type: 'VICTIM_RESPONDED', response: 'not_now', reofferAfter: '2026-12-01' });
    app.clock.set('2026-12-01T09:00:00Z');
    const due = (await app.services.store.pendingTimers(reoffered.id)).find((t) => t.event.type === 'REOFFER_DUE');
    expect(due, 'the re-offer is timed').toBeDefined();
    expect((await app.services.engine.fireTimer(due!)).kind).toBe('ok');
    await reoffered.ok(f, { type: 'INVITE_VICTIM' });
    await reoffered.ok(f, { type: 'VICTIM_RESPONDED', response: 'yes' });
    expect(((await reoffered.history(f)).events.filter((e) => e.type === 'INVITE_VICTIM')).length).toBe(2);

    const supervisor = staffBrowser(app);
    await supervisor.signIn(staff.supervisor.email);
    // With no period chosen, the current quarter.
    const page = await supervisor.get('/reports');
    expect(page.status).toBe(200);
    expect(page.$('[data-period]').text().trim()).toBe('Cases referred from Thursday 1 October 2026 to Thursday 31 December 2026');
    expect(page.$('[data-quarters] a[aria-current=page]').text()).toBe('October to December 2026');
    expect(page.$('[data-counting-rules] li').length).toBeGreaterThan(3);
    // Six referred; five contacted (the re-offered victim once, though invited twice); three consented (one withdrew
    // later, and still counts); a conference and an indirect exchange held; one agreement, kept.
    expect(table(page, 'funnel')).toEqual([
      ['Referred', '6', '100%'],
      ['Contacted', '5', '83%'],
      ['Both parties consented', '3', '50%'],
      ['Meeting or exchange held', '2', '33%'],
      ['Agreement made', '1', '17%'],
      ['Agreement completed', '1', '17%'],
    ]);
    expect(table(page, 'closure-groups')).toEqual([['Completed', '2'], ['Ended by the victim', '2'], ['Ended by the offender', '0'], ['Ended by the service', '0'], ['Administrative', '1']]);

    const csv = async (name: string, query = quarter) => {
      const r = await supervisor.get(`/reports/${name}.csv?${query}`);
      expect(r.status, name).toBe(200);
      expect(r.headers.get('content-disposition')).toContain(`${name}-2026-10-01-to-2026-12-31.csv`);
      return r.html.trim().split('\r\n');
    };
    expect(await csv('funnel')).toEqual(['step,cases', 'referred,6', 'contacted,5', 'consented,3', 'meeting_held,2', 'agreement_made,1', 'agreement_completed,1']);
    expect((await csv('closures')).sort()).toEqual([
      'agreement_fulfilled,completed,1',
      'completed_indirect,completed,1',
      'duplicate_referral,administrative,1',
      'reason,group,cases',
      'victim_declined,victim,1',
      'victim_withdrew,victim,1',
    ]);
    expect(await csv('agencies')).toEqual(['agency,cases', 'Northshire Police,5', 'Northshire Probation,1']);
    expect(await csv('processes')).toEqual(['process,chosen,held', 'direct,1,1', 'indirect,1,1']);
    // Three cases left referral after a day, three the moment they came: the median is none, the 90th percentile a day.
    expect((await csv('stages'))[1]).toBe('referral,6,0,1');
    expect(await csv('satisfaction')).toEqual(['party,answers,mean,rating_1,rating_2,rating_3,rating_4,rating_5', 'victim,1,4,0,0,0,1,0', 'offender,1,5,0,0,0,0,1']);
    // Five victims contacted in time; the declined referral's deadlines stopped with it.
    expect(await csv('victims-code')).toEqual(['clock,met,met_late,overdue,running,stopped', 'victimContacted,5,0,0,0,1', 'rjInformationOffered,5,0,0,0,1']);

    // The API's figures are the page's.
    const api = await app.request('GET', `/api/reports?${quarter}`, { token: s });
    expect(api.status).toBe(200);
    expect(api.body.period).toEqual({ from: '2026-10-01', to: '2026-12-31' });
    expect(api.body.tables.funnel).toEqual([
      { step: 'referred', cases: 6 },
      { step: 'contacted', cases: 5 },
      { step: 'consented', cases: 3 },
      { step: 'meeting_held', cases: 2 },
      { step: 'agreement_made', cases: 1 },
      { step: 'agreement_completed', cases: 1 },
    ]);
    expect(api.body.countingRules[0]).toMatch(/cohort counting/);
    expect((await app.request('GET', `/api/reports/closure-groups?${quarter}`, { token: s })).body.rows).toContainEqual({ group: 'victim', cases: 2 });

    // The report's copy of each case, kept by the database's triggers, is what the case records say.
    const raw = new Database(app.dbPath, { readonly: true });
    expect(raw.prepare('SELECT * FROM case_report_cohort ORDER BY case_id').all()).toEqual(raw.prepare('SELECT * FROM case_report_facts ORDER BY case_id').all());
    expect(raw.prepare('SELECT count(*) FROM case_report_cohort').pluck().get()).toBe(6);
    raw.close();

    // A case referred next quarter is counted there, not here.
    app.clock.set('2027-01-05T10:00:00Z');
    await create();
    expect((await app.request('GET', `/api/reports?${quarter}`, { token: s })).body.tables.funnel[0]).toEqual({ step: 'referred', cases: 6 });
    expect((await app.request('GET', '/api/reports?from=2027-01-01&to=2027-03-31', { token: s })).body.tables.funnel[0]).toEqual({ step: 'referred', cases: 1 });
    // A period given in the form's date boxes is read the same as a link's.
    const again = staffBrowser(app);
    await again.signIn(staff.supervisor.email);
    const boxes = await again.get('/reports?from-day=1&from-month=10&from-year=2026&to-day=31&to-month=12&to-year=2026');
    expect(table(boxes, 'funnel')[0]).toEqual(['Referred', '6', '100%']);
  });

  it('says what to fix in a period it cannot read, and counts nothing', async () => {
    const { app, staff } = env;
    const supervisor = staffBrowser(app);
    await supervisor.signIn(staff.supervisor.email);
    const notADate = await supervisor.get('/reports?from-day=31&from-month=2&from-year=2026&to-day=1&to-month=3&to-year=2026');
    expect(notADate.status).toBe(422);
    expect(errorSummary(notADate)).toEqual([{ href: '#from-day', text: 'The start of the period must be a real date' }]);
    expect(notADate.$('#from-day').val()).toBe('31');
    expect(notADate.$('[data-report]').length).toBe(0);
    const backwards = await supervisor.get('/reports?from=2026-12-31&to=2026-10-01');
    expect(backwards.status).toBe(422);
    expect(errorSummary(backwards)).toEqual([{ href: '#to-day', text: 'The end of the period must be on or after the start of the period' }]);

    const csv = await supervisor.get('/reports/funnel.csv?from=yesterday');
    expect(csv.status).toBe(422);
    expect(csv.html).toMatch(/^Give the period as from=YYYY-MM-DD&to=YYYY-MM-DD/);
    expect((await supervisor.get(`/reports/secrets.csv?${quarter}`)).status).toBe(404);

    const api = await app.request('GET', '/api/reports?from=2026-13-01&to=2026-12-31', { token: staff.supervisor.token });
    expect(api.status).toBe(422);
    expect(api.body.issues.map((i: { path: string }) => i.path)).toEqual(['from']);
    expect((await app.request('GET', `/api/reports/secrets?${quarter}`, { token: staff.supervisor.token })).status).toBe(404);
  });
});

describe('separation of duties', () => {
  const env = withApp();

  it('a closure is signed off by someone else: refused, with the reason, to the supervisor who asked for it and to the facilitator, on the page and by the API', async () => {
    const { app, staff } = env;
    const c = caseClient(app, await openCase(app, staff));
    await c.ok(staff.supervisor.token, { type: 'REQUEST_CLOSURE', reason: 'victim_not_ready' });
    const reason = 'You asked for this closure, so another supervisor must sign it off.';

    const asker = staffBrowser(app);
    await asker.signIn(staff.supervisor.email);
    const casePage = await asker.get(`/cases/${c.id}`);
    expect(casePage.$('[data-offer] a[data-event=APPROVE_CLOSURE]').length).toBe(0);
    expect(casePage.$('[data-blocked-event=APPROVE_CLOSURE]').text()).toContain(reason);
    const form = await asker.get(`/cases/${c.id}/events/APPROVE_CLOSURE`);
    expect(form.status).toBe(409);
    expect(form.$('[data-reasons] li').map((_, li) => form.$(li).text().trim()).get()).toEqual([reason]);
    const refused = await c.refused(staff.supervisor.token, { type: 'APPROVE_CLOSURE' }, 409);
    expect(refused.reasons).toEqual([{ rule: 'closureSignedOffIndependently', message: reason }]);

    // The facilitator's role may not sign off at all.
    const facilitator = staffBrowser(app);
    await facilitator.signIn(staff.facilitator.email);
    expect((await facilitator.get(`/cases/${c.id}`)).$('[data-blocked-event=APPROVE_CLOSURE], [data-offer] a[data-event=APPROVE_CLOSURE]').length).toBe(0);
    expect((await facilitator.get(`/cases/${c.id}/events/APPROVE_CLOSURE`)).status).toBe(403);
    await c.refused(staff.facilitator.token, { type: 'APPROVE_CLOSURE' }, 403);
    expect((await c.get(staff.supervisor.token)).status).toBe('active');

    // Another supervisor may.
    const other = staffBrowser(app);
    await other.signIn(staff.supervisor2.email);
    expect((await other.get(`/cases/${c.id}`)).$('[data-offer] a[data-event=APPROVE_CLOSURE]').length).toBe(1);
    await c.ok(staff.supervisor2.token, { type: 'APPROVE_CLOSURE' });
  });
});
