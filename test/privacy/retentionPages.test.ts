import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseClient, looksLikeStackTrace, type CaseClient } from '../api/apiSteps.js';
import { addStaff, openCase, startApp, tempDir, type Staff, type TestApp } from '../support/harness.js';
import { databaseDigest } from '../web/partySteps.js';
import { errorSummary, staffBrowser, type Page, type StaffBrowser } from '../web/staffBrowser.js';
import { addDays, caseRow, databaseText, declinedReferral, directCase, foundIn, mailText, plant, runSql, victimDeclinedCase, type Planted } from './retentionSteps.js';

/**
 * The retention pages and API over real HTTP, signed in through the sign-in form: the list of cases
 * due for anonymisation, a legal hold placed and lifted with a reason, and a party's personal data
 * erased on request with its lawful reason; each refused to a facilitator, each checked by the
 * service's own schema, and none answering bad input with a 500.
 *
 * Closed cases are kept 20 days here, declined referrals 60: a case closed today is due within the
 * 30 days the list shows, a declined referral is not.
 */

const heading = (page: Page) => page.$('h1').first().text().trim();
const rows = (page: Page) => page.$('[data-retention] tbody tr').map((_, tr) => page.$(tr).attr('data-case')).get();
const banner = (page: Page) => page.$('.govuk-notification-banner').text().replace(/\s+/g, ' ').trim();

describe('the retention pages and API', () => {
  const tmp = tempDir();
  let app: TestApp;
  let staff: Staff;
  let supervisor: StaffBrowser;
  let facilitator: StaffBrowser;
  /** Closed today: due in 20 days. */
  let due: CaseClient;
  let duePlanted: Planted;
  /** Closed, and its date already past (the sweep has not run yet). */
  let overdue: CaseClient;
  /** Declined at screening: due in 60 days, not listed. */
  let later: CaseClient;
  /** Open: no date. */
  let open: CaseClient;

  beforeAll(async () => {
    app = await startApp(`${tmp.dir}/rj.sqlite`, undefined, { RETENTION_AFTER_CLOSURE: 'P20D', RETENTION_DECLINED: 'P60D' });
    staff = await addStaff(app.services);
    supervisor = staffBrowser(app);
    facilitator = staffBrowser(app);
    await supervisor.signIn(staff.supervisor.email);
    await facilitator.signIn(staff.facilitator.email);
  });
  afterAll(async () => {
    await app?.stop();
    tmp.remove();
  });

  const env = () => ({ app, staff });
  const reference = async (c: CaseClient) => (await c.get(staff.supervisor.token)).reference as string;

  it('shows a supervisor no case due when none is, and a facilitator no Retention page at all', async () => {
    const empty = await supervisor.get('/retention');
    expect(empty.status).toBe(200);
    expect(heading(empty)).toBe('Cases due for anonymisation');
    expect(empty.$('[data-none]').text().trim()).toBe('No case is due for anonymisation in the next 30 days.');
    expect(empty.$('[data-retention]').length).toBe(0);
    expect(empty.$('nav a[href="/retention"]').text().trim()).toBe('Retention');
    const refused = await facilitator.get('/retention');
    expect(refused.status).toBe(403);
    expect(heading(refused)).toBe('You cannot do this');
    expect((await facilitator.get('/')).$('nav a[href="/retention"]').length).toBe(0);
    expect((await app.request('GET', '/api/retention', { token: staff.supervisor.token })).body).toEqual({ cases: [] });
  });

  it('lists the closed cases due in the next 30 days and any past their date, soonest first, each with a link to hold it', async () => {
    duePlanted = plant('Due', '511');
    due = await directCase(env(), duePlanted);
    await app.services.outbox.deliverDue();
    overdue = await victimDeclinedCase(env(), plant('Ovd', '512'));
    runSql(app.dbPath, 'UPDATE cases SET retain_until = ? WHERE id = ?', addDays(app.clock().toISOString(), -2), overdue.id);
    later = await declinedReferral(env(), plant('Ltr', '513'));
    open = caseClient(app, await openCase(app, staff));

    const page = await supervisor.get('/retention');
    expect(page.status).toBe(200);
    expect(rows(page)).toEqual([overdue.id, due.id]);
    const dueRow = page.$(`tr[data-case="${due.id}"]`);
    const cells = dueRow.find('td').map((_, td) => page.$(td).text().replace(/\s+/g, ' ').trim()).get();
    expect(cells).toEqual([await reference(due), 'Monday 23 November 2026', 'Agreement fulfilled', 'Sunday 13 December 2026', `Place a legal hold on ${await reference(due)}`]);
    expect(dueRow.find('a[href$="/legal-hold"]').attr('href')).toBe(`/cases/${due.id}/legal-hold`);
    expect(page.$(`tr[data-case="${overdue.id}"]`).text()).toContain('At the next sweep');
    expect(dueRow.text()).not.toContain('At the next sweep');

    const api = await app.request('GET', '/api/retention', { token: staff.supervisor.token });
    expect(api.status).toBe(200);
    expect(api.body.cases).toEqual([
      expect.objectContaining({ caseId: overdue.id, closureReason: 'victim_declined', hold: null }),
      { caseId: due.id, reference: await reference(due), closedAt: app.clock().toISOString(), closureReason: 'agreement_fulfilled', retainUntil: addDays(app.clock().toISOString(), 20), anonymisedAt: null, hold: null },
    ]);
    // The list is about dates and codes: it names no one.
    expect(page.html).not.toMatch(/sntl/i);
    expect(JSON.stringify(api.body)).not.toMatch(/sntl/i);
  });

  it('places a legal hold with a reason: an empty reason is shown back as an error, and a second hold is refused', async () => {
    const path = `/cases/${due.id}/legal-hold`;
    // The case page says until when its content is kept, and offers the hold.
    const casePage = await supervisor.get(`/cases/${due.id}`);
    expect(casePage.$('[data-retention]').text()).toMatch(/^Kept until \w+ \d+ \w+ \d{4}, then anonymised by the daily sweep\.$/);
    expect(casePage.$(`a[href="${path}"]`).text()).toBe('Place a legal hold');
    const form = await supervisor.get(path);
    expect(form.status).toBe(200);
    expect(heading(form)).toBe(`Place a legal hold on ${await reference(due)}`);
    const before = databaseDigest(app.dbPath);

    const empty = await supervisor.post(path, { ...supervisor.hiddenOf(form, path), reason: '  ' });
    expect(empty.status).toBe(422);
    expect(empty.$('title').text()).toMatch(/^Error: /);
    expect(errorSummary(empty)).toEqual([{ href: '#reason', text: 'Enter the reason' }]);
    expect(empty.$('#reason-error').text()).toContain('Enter the reason');
    const tooLong = await supervisor.post(path, { ...supervisor.hiddenOf(form, path), reason: 'x'.repeat(2001) });
    expect(tooLong.status).toBe(422);
    expect(errorSummary(tooLong)).toEqual([{ href: '#reason', text: 'The reason must be 2,000 characters or fewer' }]);
    expect(tooLong.$('#reason').text()).toBe('x'.repeat(2001));
    // Without the anti-forgery token: refused, and nothing changes.
    expect((await supervisor.post(path, { reason: 'A court order' })).status).toBe(403);
    expect(databaseDigest(app.dbPath)).toBe(before);

    const placed = await supervisor.post(path, { ...supervisor.hiddenOf(form, path), reason: 'A civil claim needs the record' });
    expect(placed.status, placed.html.slice(0, 300)).toBe(303);
    expect(placed.location).toBe('/retention');
    const list = await supervisor.follow(placed);
    expect(banner(list)).toContain('Legal hold placed');
    const row = list.$(`tr[data-case="${due.id}"]`);
    expect(row.text().replace(/\s+/g, ' ')).toContain('On hold since Monday 23 November 2026: A civil claim needs the record');
    expect(row.find('a[href$="/legal-hold/lift"]').attr('href')).toBe(`/cases/${due.id}/legal-hold/lift`);
    expect(await app.services.store.retention(due.id)).toMatchObject({ hold: { reason: 'A civil claim needs the record', placedBy: staff.supervisor.id } });
    const history = await app.services.store.history(due.id);
    expect(history.at(-1)).toMatchObject({ type: 'LEGAL_HOLD_PLACED', actor: { kind: 'user', id: staff.supervisor.id }, data: { reason: 'A civil claim needs the record' } });
    const heldPage = await supervisor.get(`/cases/${due.id}`);
    expect(heldPage.$('[data-retention]').text()).toBe('On legal hold since Monday 23 November 2026: A civil claim needs the record. Kept until the hold is lifted.');
    expect(heldPage.$(`a[href="/cases/${due.id}/legal-hold/lift"]`).text()).toBe('Lift the legal hold');

    const again = await supervisor.fill(path, { reason: 'Another reason' });
    expect(again.status).toBe(422);
    expect(errorSummary(again).map((e) => e.text)).toEqual([expect.stringContaining('this case is already on hold')]);
    // A case that is not closed has no date to hold.
    const notClosed = await supervisor.fill(`/cases/${open.id}/legal-hold`, { reason: 'A court order' });
    expect(notClosed.status).toBe(422);
    expect(errorSummary(notClosed).map((e) => e.text)).toEqual([expect.stringContaining('only a closed case has a retention date to hold')]);
    expect(await app.services.store.retention(open.id)).toBeUndefined();
  });

  it('lifts the hold with a reason, and the list offers to place one again', async () => {
    const path = `/cases/${due.id}/legal-hold/lift`;
    const form = await supervisor.get(path);
    expect(form.status).toBe(200);
    expect(heading(form)).toBe(`Lift the legal hold on ${await reference(due)}`);
    const empty = await supervisor.post(path, supervisor.hiddenOf(form, path));
    expect(empty.status).toBe(422);
    expect(errorSummary(empty)).toEqual([{ href: '#reason', text: 'Enter the reason' }]);
    expect((await app.services.store.retention(due.id))?.hold).not.toBeNull();

    const lifted = await supervisor.post(path, { ...supervisor.hiddenOf(form, path), reason: 'The claim was settled' });
    expect(lifted.status).toBe(303);
    const list = await supervisor.follow(lifted);
    expect(banner(list)).toContain('Legal hold lifted');
    expect(banner(list)).toContain('The case will be anonymised on Sunday 13 December 2026, or at the next daily sweep if that date has passed.');
    expect(list.$(`tr[data-case="${due.id}"] a[href="/cases/${due.id}/legal-hold"]`).length).toBe(1);
    expect(await app.services.store.retention(due.id)).toMatchObject({ hold: null });
    expect((await app.services.store.history(due.id)).at(-1)).toMatchObject({ type: 'LEGAL_HOLD_LIFTED', data: { reason: 'The claim was settled' } });

    const again = await supervisor.fill(path, { reason: 'Again' });
    expect(again.status).toBe(422);
    expect(errorSummary(again).map((e) => e.text)).toEqual([expect.stringContaining('this case is not on hold')]);
  });

  it('erases a party’s personal data on request: whose and the lawful reason are required; their content and the case’s free text go, the other party’s stays', async () => {
    const path = `/cases/${due.id}/erase`;
    const form = await supervisor.get(path);
    expect(form.status).toBe(200);
    expect(heading(form)).toBe(`Erase personal data from ${await reference(due)}`);
    expect(form.$('input[name=party]').map((_, i) => form.$(i).attr('value')).get()).toEqual(['victim', 'offender']);
    expect(form.$('input[name=basis]').map((_, i) => form.$(i).attr('value')).get()).toEqual(['erasure_request', 'consent_withdrawn', 'no_longer_necessary', 'unlawfully_processed', 'legal_obligation']);
    const before = databaseDigest(app.dbPath);

    const empty = await supervisor.post(path, supervisor.hiddenOf(form, path));
    expect(empty.status).toBe(422);
    expect(errorSummary(empty)).toEqual([
      { href: '#party', text: 'Select whose personal data is to be erased' },
      { href: '#basis', text: 'Select the lawful reason for the erasure' },
    ]);
    const noBasis = await supervisor.post(path, { ...supervisor.hiddenOf(form, path), party: 'victim', note: 'Asked by letter' });
    expect(noBasis.status).toBe(422);
    expect(errorSummary(noBasis)).toEqual([{ href: '#basis', text: 'Select the lawful reason for the erasure' }]);
    // What was chosen and typed is kept.
    expect(noBasis.$('input[name=party][value=victim]').attr('checked')).toBeDefined();
    expect(noBasis.$('#note').text()).toBe('Asked by letter');
    // A value the form does not offer is not taken either.
    const made = await supervisor.post(path, { ...supervisor.hiddenOf(form, path), party: 'everyone', basis: 'retention_period_ended' });
    expect(made.status).toBe(422);
    expect(databaseDigest(app.dbPath)).toBe(before);

    const victimsOwn = (await app.services.store.history(due.id)).filter((h) => ['INVITE_VICTIM', 'VICTIM_RESPONDED'].includes(h.type) || (h.data.party === 'victim' && h.type !== 'PERSONAL_DATA_ERASED'));
    const erased = await supervisor.post(path, { ...supervisor.hiddenOf(form, path), party: 'victim', basis: 'erasure_request', note: 'Asked by letter of 20 November' });
    expect(erased.status, erased.html.slice(0, 300)).toBe(303);
    expect(erased.location).toBe(`/cases/${due.id}`);
    const casePage = await supervisor.follow(erased);
    expect(banner(casePage)).toContain('Personal data erased');
    expect(banner(casePage)).toMatch(/\d+ history entries now show that their content was erased, and why/);

    // In the store: the victim's own entries and the case-wide ones erased, the offender's own kept.
    const history = await app.services.store.history(due.id);
    const erasure = history.at(-1)!;
    expect(erasure).toMatchObject({ type: 'PERSONAL_DATA_ERASED', actor: { kind: 'user', id: staff.supervisor.id }, data: { party: 'victim', basis: 'erasure_request', note: 'Asked by letter of 20 November' } });
    const erasedSeqs = erasure.data.erasedSeqs as number[];
    expect(history.filter((h) => h.erased).map((h) => h.seq)).toEqual(erasedSeqs);
    for (const h of victimsOwn.filter((v) => history.find((x) => x.seq === v.seq)!.erased === undefined)) expect(JSON.stringify(h.data), `${h.type} had no content`).not.toMatch(/sntl/i);
    for (const h of history.filter((x) => x.erased)) expect(h.erased).toEqual({ at: app.clock().toISOString(), reason: 'erasure_request' });
    expect(history.find((h) => h.type === 'VICTIM_RESPONDED')!.erased).toBeDefined();
    const offenders = history.find((h) => h.type === 'RECORD_OFFENDER_RESPONSE')!;
    expect(offenders.erased).toBeUndefined();
    expect(offenders.data.note).toBe(duePlanted.all.find((s) => s.endsWith('OffenderAnswerNote')));
    expect(history.find((h) => h.type === 'ADD_SUPPORTER' && h.data.party === 'offender')!.erased).toBeUndefined();
    // The referral: the victim's details gone, the offender's kept.
    const view = await due.get(staff.supervisor.token);
    expect(view.referral.victim).toEqual({ name: '[erased]' });
    expect(view.referral.offender.name).toBe(duePlanted.all.find((s) => s.endsWith('OffenderName')));
    expect(JSON.stringify(view)).not.toContain(duePlanted.all.find((s) => s.endsWith('VictimName')));
    // The victim's feedback comment is gone; its rating stays for the report.
    expect(await app.services.store.feedback(due.id)).toEqual([expect.objectContaining({ party: 'victim', rating: 4, comment: null })]);
    expect(await app.services.store.verifyChain()).toMatchObject({ ok: true });
    expect(caseRow(app.dbPath, due.id).anonymised_at).toBeNull();

    // Nowhere in the database file, its log or the captured mail is the victim's content, nor the case's notes and
    // free text; the referrer's and the offender's own details and answers are still there.
    const offendersOwn = ['ReferrerName', 'OffenderName', 'OffenderAnswerNote', 'OffenderSupporterName', 'OffenderPreparation'].map((f) => `Sntl${duePlanted.tag}${f}`);
    const stillThere = [...offendersOwn, ...duePlanted.all.filter((v) => /^sntl\.due\.(referrer|offender|offendersupporter)@/.test(v)), duePlanted.all.find((v) => v.endsWith('01511'))!];
    expect(stillThere).toHaveLength(9);
    const gone = duePlanted.all.filter((v) => !stillThere.includes(v));
    expect(gone.length).toBeGreaterThan(20);
    const { db, wal } = databaseText(app.dbPath);
    expect(foundIn(db, stillThere)).toEqual(stillThere);
    expect.soft(foundIn(db, gone), 'left in the database file').toEqual([]);
    expect.soft(foundIn(wal, gone), 'left in the -wal file').toEqual([]);
    expect.soft(foundIn(mailText(app.services.config.mailDir), gone), 'left in the captured mail').toEqual([]);
  });

  it('marks each entry erased on request as erased on the audited history page, and says why', async () => {
    const history = await app.services.store.history(due.id);
    const erasure = history.filter((h) => h.type === 'PERSONAL_DATA_ERASED').at(-1)!;
    const erasedSeqs = erasure.data.erasedSeqs as number[];
    expect(erasedSeqs.length).toBeGreaterThan(0);
    const page = await supervisor.get(`/cases/${due.id}/history`);
    expect(page.status).toBe(200);
    expect(page.html).not.toContain(duePlanted.all.find((v) => v.endsWith('VictimAnswerNote')));
    expect(page.$(`#entry-${erasure.seq}`).text()).toMatch(/erasure request|asked for their data to be erased/i);
    const kept = history.find((h) => h.type === 'RECORD_OFFENDER_RESPONSE')!.seq;
    expect(page.$(`#entry-${kept}`).text()).not.toMatch(/erased/i);
    const unmarked = erasedSeqs.filter((seq) => !/erased/i.test(page.$(`#entry-${seq}`).text()));
    expect(unmarked, 'entries whose content was erased, shown without saying so').toEqual([]);
  });

  it('refuses a facilitator every retention page and form, on their own case, and changes nothing', async () => {
    const before = databaseDigest(app.dbPath);
    const own = open.id;
    for (const path of ['/retention', `/cases/${own}/erase`, `/cases/${own}/legal-hold`, `/cases/${own}/legal-hold/lift`, `/cases/${due.id}/erase`]) {
      const page = await facilitator.get(path);
      expect(page.status, path).toBe(403);
      expect(heading(page), path).toBe('You cannot do this');
    }
    const csrf = facilitator.hiddenOf(await facilitator.get('/'), '/sign-out');
    for (const [path, form] of [
      [`/cases/${own}/erase`, { party: 'victim', basis: 'erasure_request' }],
      [`/cases/${own}/legal-hold`, { reason: 'A court order' }],
      [`/cases/${own}/legal-hold/lift`, { reason: 'Done' }],
      [`/cases/${due.id}/legal-hold`, { reason: 'A court order' }],
    ] as const) {
      const page = await facilitator.post(path, { ...csrf, ...form });
      expect(page.status, path).toBe(403);
      expect(page.html, path).not.toMatch(/sntl/i);
    }
    expect(databaseDigest(app.dbPath)).toBe(before);
    // A supervisor asking for a case that does not exist is told so.
    const supervisorCsrf = supervisor.hiddenOf(await supervisor.get('/retention'), '/sign-out');
    for (const path of ['/cases/no-such-case/erase', '/cases/no-such-case/legal-hold', '/cases/no-such-case/legal-hold/lift']) {
      expect((await supervisor.get(path)).status, path).toBe(404);
      expect((await supervisor.post(path, { ...supervisorCsrf, reason: 'x', party: 'victim', basis: 'erasure_request' })).status, path).toBe(404);
    }
    expect(databaseDigest(app.dbPath)).toBe(before);
  });

  it('answers the API with 200, 422, 403 and 404 as it should, and bad input never with a 500', async () => {
    const [s, f] = [staff.supervisor.token, staff.facilitator.token];
    const hold = (method: string, id: string, body: unknown, token = s) => app.request(method, `/api/cases/${id}/legal-hold`, { token, body });
    const erase = (id: string, body: unknown, token = s) => app.request('POST', `/api/cases/${id}/erasure`, { token, body });

    const placed = await hold('PUT', overdue.id, { reason: 'A complaint is open' });
    expect(placed).toMatchObject({ status: 200, body: { hold: 'placed' } });
    expect((await app.request('GET', '/api/retention', { token: s })).body.cases[0]).toMatchObject({ caseId: overdue.id, hold: { reason: 'A complaint is open', placedBy: staff.supervisor.id } });
    expect(await hold('PUT', overdue.id, { reason: 'Twice' })).toMatchObject({ status: 422, body: { issues: [{ path: 'case', message: 'this case is already on hold' }] } });
    expect(await hold('PUT', open.id, { reason: 'Open' })).toMatchObject({ status: 422, body: { issues: [{ path: 'case' }] } });
    expect(await hold('PUT', 'no-such-case', { reason: 'x' })).toMatchObject({ status: 404 });
    expect(await hold('PUT', overdue.id, { reason: 'x' }, f)).toMatchObject({ status: 403 });
    expect(await hold('DELETE', overdue.id, { reason: 'x' }, f)).toMatchObject({ status: 403 });
    expect((await app.request('PUT', `/api/cases/${overdue.id}/legal-hold`, { body: { reason: 'x' } })).status).toBe(401);
    expect(await hold('DELETE', overdue.id, {})).toMatchObject({ status: 422, body: { issues: [expect.objectContaining({ path: 'reason' })] } });
    expect(await hold('DELETE', overdue.id, { reason: 'The complaint was closed' })).toMatchObject({ status: 200, body: { hold: 'lifted' } });
    expect(await hold('DELETE', overdue.id, { reason: 'Again' })).toMatchObject({ status: 422, body: { issues: [{ path: 'case', message: 'this case is not on hold' }] } });
    expect(await hold('DELETE', 'no-such-case', { reason: 'x' })).toMatchObject({ status: 404 });

    const first = await erase(later.id, { party: 'offender', basis: 'consent_withdrawn' });
    expect(first).toMatchObject({ status: 200, body: { erasedEntries: 1 } });
    expect((await app.services.store.history(later.id)).at(-1)).toMatchObject({ type: 'PERSONAL_DATA_ERASED', data: { party: 'offender', basis: 'consent_withdrawn', erasedSeqs: [expect.any(Number)] } });
    // Erasing again finds nothing left to erase.
    expect(await erase(later.id, { party: 'offender', basis: 'consent_withdrawn' })).toMatchObject({ status: 200, body: { erasedEntries: 0 } });
    expect(await erase(later.id, { party: 'both', basis: 'erasure_request' })).toMatchObject({ status: 422, body: { issues: [expect.objectContaining({ path: 'party' })] } });
    // The sweep's own basis is not a supervisor's to give.
    expect(await erase(later.id, { party: 'victim', basis: 'retention_period_ended' })).toMatchObject({ status: 422, body: { issues: [expect.objectContaining({ path: 'basis' })] } });
    expect(await erase(later.id, { party: 'victim' })).toMatchObject({ status: 422, body: { issues: [expect.objectContaining({ path: 'basis' })] } });
    expect(await erase(later.id, { party: 'victim', basis: 'erasure_request', note: '' })).toMatchObject({ status: 422, body: { issues: [expect.objectContaining({ path: 'note' })] } });
    expect(await erase('no-such-case', { party: 'victim', basis: 'erasure_request' })).toMatchObject({ status: 404 });
    expect(await erase(open.id, { party: 'victim', basis: 'erasure_request' }, f)).toMatchObject({ status: 403 });
    expect((await app.request('GET', '/api/retention', { token: f })).status).toBe(403);
    expect((await app.request('GET', '/api/retention')).status).toBe(401);
    expect((await app.services.store.history(open.id)).filter((h) => h.erased)).toEqual([]);

    // Junk of every shape: a 4xx each time, never a 500 nor a stack trace, and nothing written.
    const before = databaseDigest(app.dbPath);
    const junk: unknown[] = [null, 0, 'reason', [], [{ reason: 'x' }], {}, { reason: null }, { reason: 5 }, { reason: '' }, { reason: 'x'.repeat(2001) }, { reason: { $gt: '' } }, { reason: 'x', extra: 1 },
      { party: 'victim', basis: 'erasure_request', note: 7 }, { party: ['victim'], basis: 'erasure_request' }, { party: 'victim', basis: 'erasure_request', extra: true }, { party: 'victim', basis: '__proto__' }, { __proto__: { party: 'victim' } }];
    const bad: string[] = [];
    for (const id of [overdue.id, 'no-such-case', '%00', '..%2F..%2Fetc']) {
      for (const body of junk) {
        for (const [method, path] of [['PUT', `/api/cases/${id}/legal-hold`], ['DELETE', `/api/cases/${id}/legal-hold`], ['POST', `/api/cases/${id}/erasure`]] as const) {
          const res = await app.request(method, path, { token: s, body });
          if (res.status >= 500 || res.status < 400 || looksLikeStackTrace(JSON.stringify(res.body))) bad.push(`${method} ${path} ${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        }
      }
      for (const rawBody of ['{', '{"reason":', 'not json', '\u0000']) {
        for (const [method, path] of [['PUT', `/api/cases/${id}/legal-hold`], ['POST', `/api/cases/${id}/erasure`]] as const) {
          const res = await app.request(method, path, { token: s, rawBody });
          if (res.status >= 500 || res.status < 400 || looksLikeStackTrace(JSON.stringify(res.body))) bad.push(`${method} ${path} ${JSON.stringify(rawBody)} → ${res.status}`);
        }
      }
      const form = await app.request('PUT', `/api/cases/${id}/legal-hold`, { token: s, rawBody: 'reason=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      if (form.status !== 415 && form.status !== 404) bad.push(`a form body → ${form.status}`);
    }
    expect(bad).toEqual([]);
    expect(databaseDigest(app.dbPath)).toBe(before);
  });
});
