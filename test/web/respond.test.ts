import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { caseClient, looksLikeStackTrace, type HistoryEvent } from '../api/apiSteps.js';
import { days, withApp } from '../support/harness.js';
import { countRows } from '../support/rawDatabase.js';
import { informationUpdated, informationVersion } from '../../src/web/respond/invitationAnswer.js';
import { caseAskingForFeedback, databaseDigest, heading, invitedCase, linkToken, partyClient, type Page, withoutNonce } from './partySteps.js';

describe('the party pages at /respond', () => {
  const env = withApp();
  const client = () => partyClient(env.app);
  const digest = () => databaseDigest(env.app.dbPath);
  const asSupervisor = (caseId: string) => caseClient(env.app, caseId).get(env.staff.supervisor.token);
  const historyOf = async (caseId: string) => (await caseClient(env.app, caseId).history(env.staff.supervisor.token)).events as HistoryEvent[];
  const errorSummary = (page: Page) => page.$('.govuk-error-summary__list a').toArray().map((a) => [page.$(a).attr('href'), page.$(a).text().trim()]);

  // The rate limit counts requests a minute on the app's clock: each test starts a fresh minute.
  beforeEach(() => env.app.clock.advance(60_000));

  it('opening a link changes nothing, shows nothing about the case, and offers Continue', async () => {
    const { caseId, token } = await invitedCase(env.app, env.staff);
    const record = (await env.app.services.store.caseById(caseId))!;
    const before = digest();

    for (let i = 0; i < 3; i++) {
      const page = await client().get(`/respond/${token}`);
      expect(page.status).toBe(200);
      expect(heading(page)).toBe('Reply to your invitation');
      for (const detail of ['Vera', 'Oscar', 'urglary', 'NP/2026', record.reference, caseId]) expect(page.html).not.toContain(detail);
      // The Continue form posts back to the link itself with an anti-forgery value.
      expect(page.$('form').attr('method')).toBe('post');
      expect(page.$('form').attr('action')).toBe(`/respond/${token}`);
      expect(page.$('form input[name=_csrf]').attr('value')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
    expect((await fetch(`${env.app.baseUrl}/respond/${token}`, { method: 'HEAD' })).status).toBe(200);

    expect(digest()).toBe(before);
    expect(await countRows(env.app, 'party_sessions')).toBe(0);
  });

  it('every link that does not work gets the same page, whatever the reason, for GET and POST alike', async () => {
    const store = env.app.services.store;
    const linkOf = async (token: string) => (await store.linkByTokenHash(env.app.services.linkTokens.hash(token)))!;
    const f = env.staff.facilitator.token;

    // Used: the victim answered through it.
    const used = await invitedCase(env.app, env.staff);
    const answered = await client().submit(await client().open(used.token), { response: 'no' });
    expect(answered.status).toBe(200);
    expect((await linkOf(used.token)).usedAt).not.toBeNull();

    // Revoked: the victim withdrew (recorded by the facilitator), which stops every link to them.
    const revoked = await invitedCase(env.app, env.staff);
    await caseClient(env.app, revoked.caseId).ok(f, { type: 'WITHDRAW', party: 'victim', reason: 'phoned to say stop' });
    expect(await linkOf(revoked.token)).toMatchObject({ usedAt: null, revokedAt: expect.any(String) });

    // No longer possible: the facilitator recorded the victim's answer from a phone call; the link itself is untouched.
    const answeredByPhone = await invitedCase(env.app, env.staff);
    await caseClient(env.app, answeredByPhone.caseId).ok(f, { type: 'VICTIM_RESPONDED', response: 'yes' });
    expect(await linkOf(answeredByPhone.token)).toMatchObject({ usedAt: null, revokedAt: null });

    // Expired: still unused and the case still waits for an answer, but INVITATION_EXPIRES_AFTER (P21D) has passed.
    const expired = await invitedCase(env.app, env.staff);
    const working = await client().get(`/respond/${expired.token}`);
    expect(working.status).toBe(200);
    env.app.clock.advance(days(21) + 1000);
    expect((await asSupervisor(expired.caseId)).allowedEvents).toContain('VICTIM_RESPONDED');

    const unknown = env.app.services.linkTokens.tokenFor(randomUUID());
    const tokens = {
      used: used.token,
      revoked: revoked.token,
      notPossible: answeredByPhone.token,
      expired: expired.token,
      unknown,
      malformed: 'not-a-token',
      tooLong: unknown + unknown,
      encoded: '%3Cscript%3E',
    };
    const reference = await client().get(`/respond/${unknown}`);
    expect(reference.status).toBe(404);
    expect(heading(reference)).toBe('This link does not work');
    expect(reference.$('title').text()).toBe('This link does not work – Northshire Restorative Justice Service');
    expect(reference.html).toContain('0300 123 4567');
    expect(reference.html).toContain('rj-service@localhost');

    const before = digest();
    for (const [reason, token] of Object.entries(tokens)) {
      const viaGet = await client().get(`/respond/${token}`);
      expect([reason, viaGet.status]).toEqual([reason, 404]);
      expect(withoutNonce(viaGet.html), reason).toBe(withoutNonce(reference.html));
      const csrf = working.$('input[name=_csrf]').attr('value')!;
      const viaPost = await client().post(`/respond/${token}`, new URLSearchParams({ _csrf: csrf }));
      expect([reason, viaPost.status]).toEqual([reason, 404]);
      expect(withoutNonce(viaPost.html), reason).toBe(withoutNonce(reference.html));
    }
    expect(digest()).toBe(before);
  });

  it('"yes" moves the case and records the answer, the information version and how to contact the victim safely', async () => {
    const { caseId, token } = await invitedCase(env.app, env.staff);
    const form = await client().open(token);
    expect(heading(form)).toBe('Restorative justice: would you like to take part?');
    for (const text of ['voluntary', 'withdraw your consent at any time', 'conference', 'letter', 'checks that each thing is done']) {
      expect(form.$('main').text()).toContain(text);
    }
    // The version is recorded with the answer; the victim reads when the information was written, not its code.
    expect(form.$('main').text()).toContain('This information was last updated in November 2026.');
    expect(form.html).not.toContain('rj-information');
    expect(form.$('input[name=response]').toArray().map((i) => form.$(i).attr('value'))).toEqual(['yes', 'more_info', 'not_now', 'no']);
    expect(form.$('label[for=response]').text().trim()).toBe('Yes, I am interested');

    const done = await client().submit(form, {
      response: 'yes',
      preferredProcess: 'conference',
      accessNeeds: 'Step-free access, please',
      safeContact: 'Weekday mornings; no voicemail',
    });
    expect(done.status).toBe(200);
    expect(done.$('.govuk-panel__title').text().trim()).toBe('Thank you for your answer');
    expect(done.$('main').text()).toContain('A facilitator will contact you soon');
    expect(done.$('main').text()).toContain('They will use the safe times and ways to contact you that you gave us.');

    const c = await asSupervisor(caseId);
    expect(c.state.open.consent.victim).toBe('consented');
    expect(c.victimPreferences).toMatchObject({ preferredProcess: 'conference', accessNeeds: 'Step-free access, please', withdrawn: false });
    const answer = (await historyOf(caseId)).filter((e) => e.type === 'VICTIM_RESPONDED');
    expect(answer).toHaveLength(1);
    expect(answer[0]!.actor).toEqual({ kind: 'party', role: 'victim' });
    expect(answer[0]!.data).toEqual({
      response: 'yes',
      preferredProcess: 'conference',
      accessNeeds: 'Step-free access, please',
      safeContact: 'Weekday mornings; no voicemail',
      informationVersion: 'rj-information-2026-11',
    });
  });

  it('promises to use safe times and ways to make contact only when the victim gave some', async () => {
    const answerYes = async (safeContact: string) => (await client().submit(await client().open((await invitedCase(env.app, env.staff)).token), { response: 'yes', safeContact })).$('main').text();
    const promise = 'They will use the safe times and ways to contact you that you gave us.';
    expect(await answerYes('Only text, never call')).toContain(promise);
    for (const none of ['', '   \n ']) {
      const said = await answerYes(none);
      expect(said).toContain('A facilitator will contact you soon to talk about what you would like to happen.');
      expect(said).not.toContain('safe times');
    }
  });

  it('words the information version as the month it was written', () => {
    expect(informationUpdated(informationVersion)).toBe('November 2026');
    expect(informationUpdated('rj-information-2027-03')).toBe('March 2027');
    for (const bad of ['rj-information-2027-13', 'rj-information-2027-00', '2026-11', '']) expect(() => informationUpdated(bad), bad).toThrow(RangeError);
  });

  it('"tell me more" moves the case, leaving out the optional fields left empty', async () => {
    const { caseId, token } = await invitedCase(env.app, env.staff);
    const done = await client().submit(await client().open(token), { response: 'more_info', preferredProcess: '', accessNeeds: '  ', safeContact: 'Evenings only' });
    expect(done.status).toBe(200);
    expect(done.$('main').text()).toContain('A facilitator will call you');

    expect((await asSupervisor(caseId)).state.open.consent.victim).toBe('moreInfo');
    const answer = (await historyOf(caseId)).find((e) => e.type === 'VICTIM_RESPONDED')!;
    expect(answer.actor).toEqual({ kind: 'party', role: 'victim' });
    expect(answer.data).toEqual({ response: 'more_info', safeContact: 'Evenings only', informationVersion: 'rj-information-2026-11' });
  });

  it('"not now" with a date sets when to ask again', async () => {
    const { caseId, token } = await invitedCase(env.app, env.staff);
    const form = await client().open(token);
    // The date sits in the "not now" answer's conditional reveal.
    expect(form.$('#conditional-response-3 input[name="reofferAfter-month"]')).toHaveLength(1);
    const done = await client().submit(form, { response: 'not_now', 'reofferAfter-day': '1', 'reofferAfter-month': '6', 'reofferAfter-year': '2027' });
    expect(done.status).toBe(200);
    expect(done.$('main').text()).toContain('before Tuesday 1 June 2027');

    const c = await asSupervisor(caseId);
    expect(c.state.open.consent.victim).toBe('notNow');
    expect(c.victimPreferences.reofferAfter).toBe('2027-06-01');
    const answer = (await historyOf(caseId)).find((e) => e.type === 'VICTIM_RESPONDED')!;
    expect(answer.actor).toEqual({ kind: 'party', role: 'victim' });
    expect(answer.data).toEqual({ response: 'not_now', reofferAfter: '2027-06-01', informationVersion: 'rj-information-2026-11' });
  });

  it('"no" moves the case to closing', async () => {
    const { caseId, token } = await invitedCase(env.app, env.staff);
    const done = await client().submit(await client().open(token), { response: 'no' });
    expect(done.status).toBe(200);
    expect(done.$('main').text()).toContain('We will not contact you again about restorative justice');

    const c = await asSupervisor(caseId);
    expect(c.state).toBe('closing');
    expect(c.pendingClosure).toMatchObject({ reason: 'victim_declined', requestedBy: { kind: 'party', role: 'victim' } });
    const answer = (await historyOf(caseId)).find((e) => e.type === 'VICTIM_RESPONDED')!;
    expect(answer).toMatchObject({ actor: { kind: 'party', role: 'victim' }, data: { response: 'no', informationVersion: 'rj-information-2026-11' } });
  });

  it('of 20 parallel submissions of one answer exactly one is accepted', async () => {
    const { caseId, token } = await invitedCase(env.app, env.staff);
    const form = await client().open(token);
    const results = await Promise.all(Array.from({ length: 20 }, () => client().submit(form, { response: 'yes' })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused.map((r) => [r.status, heading(r)])).toEqual(Array.from({ length: 19 }, () => [404, 'This link does not work']));
    expect((await historyOf(caseId)).filter((e) => e.type === 'VICTIM_RESPONDED')).toHaveLength(1);
  });

  it('withdrawing through the link takes two steps, moves the case to closing and cancels what was queued for the victim', async () => {
    const { caseId, token } = await invitedCase(env.app, env.staff);
    expect((await client().submit(await client().open(token), { response: 'yes' })).status).toBe(200);
    // "Thank you" went out with a link to withdraw.
    const withdrawToken = await linkToken(env.app, caseId, 'thank_you', 'withdrawal');
    const queuedBefore = (await env.app.services.store.notices(caseId)).filter((n) => n.recipient === 'victim' && n.status === 'queued');
    expect(queuedBefore.map((n) => n.template).sort()).toEqual(['thank_you', 'victim_invitation']);

    const start = await client().get(`/respond/${withdrawToken}`);
    expect(heading(start)).toBe('Withdraw from restorative justice');
    const confirm = await client().submit(start);
    expect(confirm.status).toBe(200);
    expect(confirm.$('main').text()).toContain('any meeting that has been planned will not go ahead');
    expect(confirm.$('button.govuk-button--warning').text().trim()).toBe('Withdraw my consent');
    // Continue alone changed nothing in the case.
    expect((await asSupervisor(caseId)).withdrawn.victim).toBe(false);

    const done = await client().submit(confirm, { reason: 'I want to put this behind me' });
    expect(done.status).toBe(200);
    expect(done.$('.govuk-panel__title').text().trim()).toBe('You have withdrawn your consent');

    const c = await asSupervisor(caseId);
    expect(c).toMatchObject({ state: 'closing', withdrawn: { victim: true, offender: false } });
    const withdrawal = (await historyOf(caseId)).find((e) => e.type === 'WITHDRAW')!;
    expect(withdrawal).toMatchObject({ actor: { kind: 'party', role: 'victim' }, data: { party: 'victim', reason: 'I want to put this behind me' } });
    const notices = await env.app.services.store.notices(caseId);
    for (const before of queuedBefore) expect(notices.find((n) => n.id === before.id)!.status).toBe('cancelled');
    expect(notices.filter((n) => n.recipient === 'victim' && n.status === 'queued').map((n) => n.template)).toEqual(['withdrawal_confirmation']);
  });

  it('a form without its anti-forgery value, or from an ended session, gets a kind 403 and changes nothing', async () => {
    const { caseId, token } = await invitedCase(env.app, env.staff);
    const start = await client().get(`/respond/${token}`);
    let before = digest();

    for (const csrf of [undefined, '', 'x'.repeat(43), start.$('input[name=_csrf]').attr('value')!.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A'))]) {
      const page = await client().post(`/respond/${token}`, new URLSearchParams(csrf === undefined ? {} : { _csrf: csrf }));
      expect(page.status).toBe(403);
      expect(heading(page)).toBe('Your session has ended');
      expect(page.$('main').text()).toContain('use the link in your email again');
    }
    expect(digest()).toBe(before);

    const form = await client().open(token);
    before = digest();
    const tampered: Record<string, string>[] = [
      { _csrf: 'forged' },
      { session: 'A'.repeat(43) },
      { session: '' },
      { _csrf: start.$('input[name=_csrf]').attr('value')! },
    ];
    for (const fields of tampered) {
      const page = await client().submit(form, { ...fields, response: 'yes' });
      expect([fields, page.status]).toEqual([fields, 403]);
      expect(heading(page)).toBe('Your session has ended');
    }
    // A JSON body carries no form fields at all.
    const json = await client().post('/respond/answer', JSON.stringify({ response: 'yes' }), { 'content-type': 'application/json' });
    expect(json.status).toBe(403);

    // Sessions last 30 minutes.
    env.app.clock.advance(31 * 60 * 1000);
    const late = await client().submit(form, { response: 'yes' });
    expect(late.status).toBe(403);
    expect(heading(late)).toBe('Your session has ended');
    expect(digest()).toBe(before);
    expect((await asSupervisor(caseId)).state.open.consent.victim).toBe('invited');
  });

  it('answers with something to fix get the form back with an error summary, and change nothing', async () => {
    const { caseId, token } = await invitedCase(env.app, env.staff);
    const form = await client().open(token);
    const before = digest();

    const noAnswer = await client().submit(form, { safeContact: 'Call after 6pm' });
    expect(noAnswer.status).toBe(422);
    expect(noAnswer.$('title').text()).toBe('Error: Restorative justice: would you like to take part? – Northshire Restorative Justice Service');
    expect(errorSummary(noAnswer)).toEqual([['#response', 'Select whether you want to take part']]);
    expect(noAnswer.$('#response-error').text().replace(/\s+/g, ' ').trim()).toBe('Error: Select whether you want to take part');
    expect(noAnswer.$('#response').closest('fieldset').attr('aria-describedby')).toBe('response-error');
    // What was typed is kept.
    expect(noAnswer.$('#safeContact').text()).toBe('Call after 6pm');

    const noMonth = await client().submit(noAnswer, { response: 'not_now', 'reofferAfter-day': '3', 'reofferAfter-year': '2027' });
    expect(noMonth.status).toBe(422);
    expect(errorSummary(noMonth)).toEqual([['#reofferAfter-month', 'The date to ask you again must include a month']]);
    expect(noMonth.$('#reofferAfter-month').hasClass('govuk-input--error')).toBe(true);
    expect(noMonth.$('#reofferAfter-day').hasClass('govuk-input--error')).toBe(false);
    expect(noMonth.$('#reofferAfter-day').attr('value')).toBe('3');
    expect(noMonth.$('input[name=response][value=not_now]').attr('checked')).toBeDefined();
    // The reveal stays open while its answer is chosen.
    expect(noMonth.$('#conditional-response-3').hasClass('govuk-radios__conditional--hidden')).toBe(false);

    const past = await client().submit(noMonth, { response: 'not_now', 'reofferAfter-day': '1', 'reofferAfter-month': '1', 'reofferAfter-year': '2020' });
    expect(errorSummary(past)).toEqual([['#reofferAfter-day', 'The date to ask you again must be in the future']]);
    const unreal = await client().submit(past, { response: 'not_now', 'reofferAfter-day': '31', 'reofferAfter-month': '2', 'reofferAfter-year': '2027' });
    expect(errorSummary(unreal)).toEqual([['#reofferAfter-day', 'The date to ask you again must be a real date']]);

    // The engine's own limits come back as problems on the fields concerned.
    const tooLong = await client().submit(unreal, { response: 'yes', accessNeeds: 'a'.repeat(2001), safeContact: 'b'.repeat(2001) });
    expect(tooLong.status).toBe(422);
    expect(errorSummary(tooLong)).toEqual([
      ['#accessNeeds', 'What would make it easier for you to take part must be 2,000 characters or less'],
      ['#safeContact', 'Safe times and ways to contact you must be 2,000 characters or less'],
    ]);
    expect(tooLong.$('#accessNeeds').hasClass('govuk-textarea--error')).toBe(true);
    expect(digest()).toBe(before);

    // Fixed, the same form goes through.
    const done = await client().submit(tooLong, { response: 'yes', accessNeeds: 'a ramp', safeContact: '' });
    expect(done.status).toBe(200);
    expect((await asSupervisor(caseId)).state.open.consent.victim).toBe('consented');
  });

  it('bodies that are too large or unreadable get a kind page, never a 500', async () => {
    const { token } = await invitedCase(env.app, env.staff);
    const form = await client().open(token);
    const before = digest();
    const fields = client().formData(form.$, 'form[action="/respond/answer"]', { response: 'yes' });

    fields.set('accessNeeds', 'x'.repeat(17 * 1024));
    const tooLarge = await client().post('/respond/answer', fields);
    expect(tooLarge.status).toBe(413);
    expect(heading(tooLarge)).toBe('Sorry, we could not read what was sent');

    const badCharset = await client().post('/respond/answer', 'response=yes', { 'content-type': 'application/x-www-form-urlencoded; charset=ebcdic' });
    expect(badCharset.status).toBe(415);
    expect(heading(badCharset)).toBe('Sorry, we could not read what was sent');

    const tooMany = await client().post('/respond/answer', Array.from({ length: 1500 }, (_, i) => `f${i}=1`).join('&'));
    expect(tooMany.status).toBe(413);

    for (const page of [tooLarge, badCharset, tooMany]) expect(looksLikeStackTrace(page.html)).toBe(false);
    expect(digest()).toBe(before);
  });

  it('more than 60 requests a minute from one address get a kind 429 page until the minute is over', async () => {
    const bad = `/respond/${env.app.services.linkTokens.tokenFor(randomUUID())}`;
    for (let i = 0; i < 60; i++) expect((await client().get(bad)).status).toBe(404);
    const limited = await client().get(bad);
    expect(limited.status).toBe(429);
    expect(heading(limited)).toBe('Sorry, there have been too many requests');
    expect(limited.headers.get('ratelimit-policy')).toContain('60-in-1min');
    expect(limited.headers.get('ratelimit')).toContain('r=0');
    expect((await client().post(bad, '')).status).toBe(429);

    env.app.clock.advance(60_000);
    expect((await client().get(bad)).status).toBe(404);
  });

  it('feedback is stored once, against the link it came through', async () => {
    const caseId = await caseAskingForFeedback(env.app, env.staff);
    const token = await linkToken(env.app, caseId, 'feedback_request', 'feedback');
    const form = await client().open(token);
    expect(heading(form)).toBe('Tell us what you thought of the service');
    expect(form.$('label[for=rating]').text().trim()).toBe('Very satisfied');
    expect(form.$('#rating').attr('value')).toBe('5');

    const unrated = await client().submit(form, { comment: 'c'.repeat(2001) });
    expect(unrated.status).toBe(422);
    expect(errorSummary(unrated)).toEqual([
      ['#rating', 'Select how you felt about the service'],
      ['#comment', 'How we could improve the service must be 2,000 characters or less'],
    ]);
    expect(await env.app.services.store.feedback(caseId)).toEqual([]);

    const [first, second] = await Promise.all([
      client().submit(form, { rating: '4', comment: 'The facilitator was kind.' }),
      client().submit(form, { rating: '1', comment: 'Second try' }),
    ]);
    expect([first!.status, second!.status].sort()).toEqual([200, 404]);
    const stored = await env.app.services.store.feedback(caseId);
    expect(stored).toHaveLength(1);
    const link = await env.app.services.store.linkByTokenHash(env.app.services.linkTokens.hash(token));
    expect(stored[0]).toMatchObject({ caseId, party: 'victim', linkId: link!.id });
    expect((await client().get(`/respond/${token}`)).status).toBe(404);
  });

  it("the offender's links act for the offender alone: their feedback is stored as theirs, and their withdrawal leaves the victim's consent standing", async () => {
    const caseId = await caseAskingForFeedback(env.app, env.staff);
    const feedbackToken = await linkToken(env.app, caseId, 'feedback_request', 'feedback', 'offender');
    const done = await client().submit(await client().open(feedbackToken), { rating: '3', comment: 'It helped me see the harm.' });
    expect(done.status, heading(done)).toBe(200);
    const link = await env.app.services.store.linkByTokenHash(env.app.services.linkTokens.hash(feedbackToken));
    expect(await env.app.services.store.feedback(caseId)).toMatchObject([{ party: 'offender', linkId: link!.id, rating: 3 }]);

    const withdrawToken = await linkToken(env.app, caseId, 'feedback_request', 'withdrawal', 'offender');
    const confirm = await client().submit(await client().get(`/respond/${withdrawToken}`));
    const withdrawn = await client().submit(confirm, { reason: 'I would rather not hear more' });
    expect(withdrawn.status, heading(withdrawn)).toBe(200);
    expect((await asSupervisor(caseId)).withdrawn).toEqual({ victim: false, offender: true });
    const withdrawal = (await historyOf(caseId)).find((e) => e.type === 'WITHDRAW')!;
    expect(withdrawal).toMatchObject({ actor: { kind: 'party', role: 'offender' }, data: { party: 'offender', reason: 'I would rather not hear more' } });

    // The victim's own feedback link still works.
    const victimForm = await client().open(await linkToken(env.app, caseId, 'feedback_request', 'feedback', 'victim'));
    expect(heading(victimForm)).toBe('Tell us what you thought of the service');
  });

  it('sends the privacy headers on every /respond page', async () => {
    const { token } = await invitedCase(env.app, env.staff);
    const pages = [
      await client().get(`/respond/${token}`),
      await client().open(token),
      await client().get('/respond/not-a-token'),
      await client().post('/respond/answer', ''),
    ];
    for (const page of pages) {
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('x-robots-tag')).toBe('noindex');
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      // Only scripts carrying this response's nonce run, and there is no inline script.
      const scriptSrc = page.headers.get('content-security-policy')!.split(';').find((d) => d.startsWith('script-src '));
      expect(scriptSrc).toBe(`script-src 'nonce-${page.$('script').attr('nonce')}' 'strict-dynamic'`);
      expect(page.$('script:not([src])')).toHaveLength(0);
      expect(page.$('html').attr('lang')).toBe('en');
      expect(page.$('h1')).toHaveLength(1);
      expect(page.$('.govuk-exit-this-page a').attr('href')).toBe('https://www.bbc.co.uk/weather');
    }
  });
});
