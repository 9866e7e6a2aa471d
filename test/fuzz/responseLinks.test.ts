import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCheapStaff, type CheapStaff } from '../support/cheapStaff.js';
import { startApp, tempDir, type TestApp } from '../support/harness.js';
import { caseAskingForFeedback, invitedCase, linkToken, partyClient } from '../web/partySteps.js';
import { encodeComponent, encodeForm, expectCleanRefusal, junkValue, noisy, oddBodies, pair, prototypeWords, rawFragment, send, unicodeString, type Answer, type Pair } from './formJunk.js';
import { fuzzMode, fuzzOptions, fuzzRuns, fuzzTimeout } from './fuzzRuns.js';
import { changedTables, expectOnlyWrites, failedAccessWrites, tableDigests, type TableDigests } from './tableDigest.js';

/**
 * The party pages reached from emailed links (/respond/<token>, then one form in a 30-minute party
 * session) under malformed requests: link tokens that are not one (mangled, random, another kind of
 * token, broken escapes, huge), Continue without its anti-forgery value or with another's, session
 * fields missing, repeated or from another link, and answers no schema takes (a response that is not
 * one, repeated fields, a rating out of range, text over its limit, a date that is not one), with junk
 * on top. Every answer: no 5xx, no stack trace, and nothing written but a failed link's audit entry and
 * back-off (failedAccessWrites), or, for Continue on a working link with its own value, one party session.
 *
 * Each request comes from its own address (TRUST_PROXY=1 and X-Forwarded-For), so the fuzz reaches
 * the handlers past the per-address limit; a share comes from one address, and gets the limit's 429.
 */

interface LinkFixture {
  name: string;
  token: string;
  linkId: string;
  purpose: 'invitation' | 'withdrawal' | 'feedback';
  /** The anti-forgery value of its Continue form. */
  csrf: string;
  /** A party session opened on it: the hidden fields of its form. */
  session: string;
  sessionCsrf: string;
}

const formOf: Record<LinkFixture['purpose'], string> = { invitation: '/respond/answer', withdrawal: '/respond/withdraw', feedback: '/respond/feedback' };
const statusesAllowed = new Set([200, 400, 403, 404, 413, 415, 422, 429, 431]);

interface PartyRequest {
  label: string;
  method: string;
  path: string;
  pairs?: Pair[];
  raw?: { body: string; headers: Record<string, string> };
  expect?: number[];
  /** Continue on a working link with its own value: opens one session on that link. */
  opens?: string;
  /** From the one address that has used up its requests. */
  limited?: boolean;
}

describe(`response links fuzz (${fuzzMode})`, () => {
  const tmp = tempDir();
  const dbPath = `${tmp.dir}/rj.sqlite`;
  let app: TestApp;
  let staff: CheapStaff;
  let digests: TableDigests;
  let baseline: Map<string, string>;
  const links: LinkFixture[] = [];
  let usedToken: string;
  let sent = 0;
  let address = 0;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    app = await startApp(dbPath, undefined, { TRUST_PROXY: '1' });
    staff = await addCheapStaff(app);
    const party = partyClient(app);
    const fixture = async (name: string, token: string): Promise<LinkFixture> => {
      const link = (await app.services.store.linkByTokenHash(app.services.linkTokens.hash(token)))!;
      const start = await party.get(`/respond/${token}`);
      const form = await party.submit(start);
      expect(form.status, `${name}: ${form.$('h1').text()}`).toBe(200);
      return {
        name,
        token,
        linkId: link.id,
        purpose: link.purpose,
        csrf: start.$('input[name=_csrf]').attr('value')!,
        session: form.$('input[name=session]').attr('value')!,
        sessionCsrf: form.$('form[action^="/respond/"] input[name=_csrf]').attr('value')!,
      };
    };
    const invited = await invitedCase(app, staff);
    links.push(await fixture('invitation', invited.token));
    // A victim who said yes through the link: that link is used, and the thank-you carries a withdrawal link.
    const answered = await invitedCase(app, staff);
    expect((await party.submit(await party.open(answered.token), { response: 'yes' })).status).toBe(200);
    usedToken = answered.token;
    links.push(await fixture('withdrawal', await linkToken(app, answered.caseId, 'thank_you', 'withdrawal')));
    const feedbackCase = await caseAskingForFeedback(app, staff);
    links.push(await fixture('victim feedback', await linkToken(app, feedbackCase, 'feedback_request', 'feedback')));
    links.push(await fixture('offender feedback', await linkToken(app, feedbackCase, 'feedback_request', 'feedback', 'offender')));
    for (const l of links) expect(l.csrf && l.session && l.sessionCsrf, l.name).toBeTruthy();

    digests = tableDigests(dbPath);
    baseline = digests.take();
  });

  afterAll(async () => {
    digests?.close();
    await app?.stop();
    tmp.remove();
  });

  const link = () => fc.constantFrom(...links);
  const otherLink = (l: LinkFixture) => fc.constantFrom(...links.filter((x) => x !== l));

  /** Strings that are not a working link's token. */
  const notAToken = (): fc.Arbitrary<{ how: string; token: string }> => fc.oneof(
    link().chain((l) =>
      fc
        .constantFrom<[string, (t: string) => string]>(
          ['truncated', (t) => t.slice(0, -1)],
          ['extended', (t) => `${t}A`],
          ['upper-cased', (t) => t.toUpperCase()],
          ['with - and _ swapped', (t) => t.replace(/[-_]/g, (c) => (c === '-' ? '_' : '-'))],
          ['padded with =', (t) => `${t}=`],
          ['first character changed', (t) => (t[0] === 'A' ? 'B' : 'A') + t.slice(1)],
          ['last character changed', (t) => t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A')],
          ['with a NUL', (t) => `${t}%00`],
          ['with a space', (t) => `${t}%20`],
          ['doubled', (t) => t + t],
          ['reversed', (t) => [...t].reverse().join('')],
          ['with .json', (t) => `${t}.json`],
        )
        .filter(([, f]) => f(l.token) !== l.token)
        .map(([how, f]) => ({ how: `${l.name} token ${how}`, token: f(l.token) })),
    ),
    link().map((l) => ({ how: `${l.name}'s session token`, token: l.session })),
    link().map((l) => ({ how: `${l.name}'s anti-forgery value`, token: l.csrf })),
    fc.constant({ how: 'a used link', token: '' }).map(() => ({ how: 'a used link', token: usedToken })),
    fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((token) => ({ how: 'a random token', token })),
    fc.string({ minLength: 1, maxLength: 80 }).map((s) => ({ how: 'a junk string', token: encodeComponent(s) })),
    unicodeString.map((s) => ({ how: 'unicode', token: encodeComponent(s) })),
    // (Not '..': the URL would leave /respond before it is sent.)
    fc.constantFrom(...prototypeWords, 'answer', 'withdraw', 'feedback', '%ZZ', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%', 'null', '%2F', 'a%2Fb').map((token) => ({ how: 'a strange word', token })),
    fc.integer({ min: 100, max: 8_000 }).map((n) => ({ how: `${n} characters`, token: 'A'.repeat(n) })),
  );

  /** Anti-forgery values that are not this link's Continue value. */
  const badLinkCsrf = (l: LinkFixture): fc.Arbitrary<{ how: string; pairs: Pair[] }> =>
    fc.oneof<fc.Arbitrary<{ how: string; pairs: Pair[] }>[]>(
      fc.constant({ how: 'no value', pairs: [] }),
      fc.constant({ how: 'an empty value', pairs: [pair('_csrf', '')] }),
      otherLink(l).map((o) => ({ how: `${o.name}'s value`, pairs: [pair('_csrf', o.csrf)] })),
      fc.constant({ how: 'its session’s value', pairs: [pair('_csrf', l.sessionCsrf)] }),
      fc.constant({ how: 'its value twice', pairs: [pair('_csrf', l.csrf), pair('_csrf', l.csrf)] }),
      fc.constantFrom('[]', '[0]').map((s) => ({ how: `its value as _csrf${s}`, pairs: [pair(`_csrf${s}`, l.csrf)] })),
      fc.constantFrom<[string, (t: string) => string]>(['truncated', (t) => t.slice(0, -1)], ['extended', (t) => `${t}x`], ['upper-cased', (t) => t.toUpperCase()], ['padded', (t) => ` ${t}`]).map(([how, f]) => ({
        how: `its value ${how}`,
        pairs: [pair('_csrf', f(l.csrf))],
      })),
      junkValue.map((v) => ({ how: 'junk', pairs: [pair('_csrf', v)] })),
    );

  /** Session fields that do not carry this session, or not for this form. */
  type BadSession = { how: string; pairs: Pair[]; expect: number[]; path?: string };
  const badSession = (l: LinkFixture): fc.Arbitrary<BadSession> =>
    fc.oneof<fc.Arbitrary<BadSession>[]>(
      fc.constant({ how: 'no session', pairs: [pair('_csrf', l.sessionCsrf)], expect: [403] }),
      fc.constant({ how: 'its session without its value', pairs: [pair('session', l.session)], expect: [403] }),
      fc.constant({ how: 'its session twice', pairs: [pair('session', l.session), pair('session', l.session), pair('_csrf', l.sessionCsrf)], expect: [403] }),
      fc.constant({ how: 'its session as session[]', pairs: [pair('session[]', l.session), pair('_csrf', l.sessionCsrf)], expect: [403] }),
      fc.constant({ how: 'its value twice', pairs: [pair('session', l.session), pair('_csrf', l.sessionCsrf), pair('_csrf', l.sessionCsrf)], expect: [403] }),
      fc.constant({ how: 'its link’s Continue value', pairs: [pair('session', l.session), pair('_csrf', l.csrf)], expect: [403] }),
      otherLink(l).map((o) => ({ how: `${o.name}'s value`, pairs: [pair('session', l.session), pair('_csrf', o.sessionCsrf)], expect: [403] })),
      fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((s) => ({ how: 'a random session', pairs: [pair('session', s), pair('_csrf', l.sessionCsrf)], expect: [403] })),
      fc.constant({ how: 'the link token as the session', pairs: [pair('session', l.token), pair('_csrf', l.csrf)], expect: [403] }),
      junkValue.map((v) => ({ how: 'a junk session', pairs: [pair('session', v), pair('_csrf', l.sessionCsrf)], expect: [403] })),
      // Another link's whole session, for this link's form: the session is fine, the form is not its link's.
      otherLink(l)
        .filter((o) => o.purpose !== l.purpose)
        .map((o) => ({ how: `${o.name}'s session`, pairs: [pair('session', o.session), pair('_csrf', o.sessionCsrf)], expect: [404], path: formOf[l.purpose] })),
    );

  const session = (l: LinkFixture) => [pair('session', l.session), pair('_csrf', l.sessionCsrf)];
  const longText = (min: number) => fc.oneof(fc.integer({ min, max: 12_000 }).map((n) => 'x'.repeat(n)), fc.integer({ min, max: 2_600 }).map((n) => 'é'.repeat(n)));
  const notAResponse = fc.oneof(
    fc.constantFrom('', 'YES', 'Yes', ' yes', 'yes ', 'yes\u0000', 'not-now', 'not now', 'nope', 'maybe', 'more_info ', ...prototypeWords),
    junkValue.filter((v) => !['yes', 'no', 'not_now', 'more_info'].includes(v)),
  );
  const response = fc.constantFrom('yes', 'no', 'not_now', 'more_info');
  const badDate = fc.constantFrom<[string, string, string]>(['31', '2', '2027'], ['1', '13', '2027'], ['x', '1', '2027'], ['1', '1', '27'], ['1', '1', '2020'], ['23', '11', '2026'], ['', '1', '2027'], ['1', '', ''], ['1.0', '1', '2027'], ['１', '1', '2027']);

  /** Answers with a valid session that the form or the engine must refuse: one thing wrong, the rest as sent. */
  type BadAnswer = { how: string; pairs: Pair[]; keep: string[] };
  const badAnswer = (l: LinkFixture): fc.Arbitrary<BadAnswer> => {
    switch (l.purpose) {
      case 'invitation':
        return fc.oneof<fc.Arbitrary<BadAnswer>[]>(
          notAResponse.map((r) => ({ how: `response ${JSON.stringify(r).slice(0, 30)}`, pairs: [pair('response', r)], keep: ['response'] })),
          fc.constant({ how: 'no response', pairs: [pair('accessNeeds', 'ramp access')], keep: ['response'] }),
          response.map((r) => ({ how: 'response twice', pairs: [pair('response', r), pair('response', r)], keep: ['response'] })),
          fc.tuple(response, fc.oneof(fc.constantFrom('CONFERENCE', 'video', 'conference ', 'letters', ...prototypeWords), junkValue.filter((v) => v !== '' && !['conference', 'shuttle', 'letter'].includes(v)))).map(([r, p]) => ({
            how: `${r}, preferred process ${JSON.stringify(p).slice(0, 30)}`,
            pairs: [pair('response', r), pair('preferredProcess', p)],
            keep: ['response', 'preferredProcess'],
          })),
          fc.tuple(response, fc.constantFrom('accessNeeds', 'safeContact'), longText(2_001)).map(([r, field, text]) => ({ how: `${r}, ${field} of ${text.length}`, pairs: [pair('response', r), pair(field, text)], keep: ['response', field] })),
          badDate.map(([d, m, y]) => ({
            how: `not now, ask again ${d}/${m}/${y}`,
            pairs: [pair('response', 'not_now'), pair('reofferAfter-day', d), pair('reofferAfter-month', m), pair('reofferAfter-year', y)],
            keep: ['response', 'reofferAfter-day', 'reofferAfter-month', 'reofferAfter-year'],
          })),
        );
      case 'withdrawal':
        return longText(2_001).map((text) => ({ how: `a reason of ${text.length}`, pairs: [pair('reason', text)], keep: ['reason'] }));
      case 'feedback':
        return fc.oneof<fc.Arbitrary<BadAnswer>[]>(
          fc.oneof(fc.constantFrom('', '0', '6', ' 3', '3 ', '３', '1.0', '+1', '33', '-1', '1e0', '0x3', 'five', ...prototypeWords), junkValue.filter((v) => !/^[1-5]$/.test(v))).map((r) => ({
            how: `rating ${JSON.stringify(r).slice(0, 30)}`,
            pairs: [pair('rating', r)],
            keep: ['rating'],
          })),
          fc.constantFrom('1', '3', '5').map((r) => ({ how: 'rating twice', pairs: [pair('rating', r), pair('rating', r)], keep: ['rating'] })),
          fc.tuple(fc.constantFrom('1', '3', '5'), longText(2_001)).map(([r, text]) => ({ how: `a comment of ${text.length}`, pairs: [pair('rating', r), pair('comment', text)], keep: ['rating', 'comment'] })),
        );
    }
  };

  const withNoise = (label: string, method: string, path: string, pairs: Pair[], keep: string[], extra: Partial<PartyRequest> = {}): fc.Arbitrary<PartyRequest> =>
    noisy(pairs, new Set(['_csrf', 'session', ...keep])).map((n) => ({ label: `${label}${n.how.length ? ` + ${n.how.join(', ')}` : ''}`, method, path, pairs: n.pairs, ...extra }));

  const junkQuery = fc
    .array(fc.oneof(fc.tuple(fc.oneof(fc.constantFrom('token', 'session', '_csrf', 'response', 'purpose', ...prototypeWords), fc.string({ maxLength: 10 })), junkValue.filter((v) => v.length < 2000)).map(([k, v]) => pair(k, v)), rawFragment.map((raw) => ({ raw }))), { maxLength: 3 })
    .map((pairs) => (pairs.length ? `?${encodeForm(pairs)}` : ''));

  const requests = (): fc.Arbitrary<PartyRequest> => fc.oneof(
    // Opening a link: a working one shows Continue, anything else the one kind page. GET writes nothing, ever.
    { weight: 2, arbitrary: fc.tuple(notAToken(), junkQuery).map(([t, q]) => ({ label: `GET ${t.how}`, method: 'GET', path: `/respond/${t.token}${q}`, expect: [400, 404, 431] })) },
    { weight: 1, arbitrary: fc.tuple(link(), junkQuery).map(([l, q]) => ({ label: `GET ${l.name} with a query`, method: 'GET', path: `/respond/${l.token}${q}`, expect: [200] })) },
    // Continue on something that is not a working link, with its value or not.
    { weight: 2, arbitrary: fc.tuple(notAToken(), link()).chain(([t, l]) =>
          // /respond/answer and the like are the forms' own routes: there, no session.
          withNoise(`Continue on ${t.how}`, 'POST', `/respond/${t.token}`, [pair('_csrf', l.csrf)], [], { expect: ['answer', 'withdraw', 'feedback'].includes(t.token) ? [403, 413] : [400, 404, 413, 431] }),
        ) },
    // Continue on a working link without its own value.
    { weight: 3, arbitrary: link().chain((l) => badLinkCsrf(l).chain((c) => withNoise(`Continue on ${l.name}, ${c.how}`, 'POST', `/respond/${l.token}`, c.pairs, [], { expect: [403, 413] }))) },
    // Continue as it should be, with junk around it: one session opened.
    { weight: 1, arbitrary: link().chain((l) => withNoise(`Continue on ${l.name}`, 'POST', `/respond/${l.token}`, [pair('_csrf', l.csrf)], [], { opens: l.linkId, expect: [200, 413] })) },
    // A form posted without its session, or with another's.
    { weight: 3, arbitrary: fc.tuple(link(), fc.constantFrom(...Object.values(formOf))).chain(([l, path]) => badSession(l).chain((s) => withNoise(`${s.path ?? path} with ${l.name}: ${s.how}`, 'POST', s.path ?? path, s.pairs, [], { expect: [...s.expect, 413] }))) },
    // Its own session, an answer that cannot be taken.
    { weight: 6, arbitrary: link().chain((l) => badAnswer(l).chain((a) => withNoise(`${l.name} answer: ${a.how}`, 'POST', formOf[l.purpose], [...session(l), ...a.pairs], a.keep, { expect: [422, 413] }))) },
    // Its own session on another purpose's form: the link is not for it.
    { weight: 1, arbitrary: link().chain((l) => fc.constantFrom(...Object.values(formOf).filter((p) => p !== formOf[l.purpose])).chain((path) => withNoise(`${l.name} session on ${path}`, 'POST', path, [...session(l), pair('response', 'yes'), pair('rating', '5')], [], { expect: [404, 413] }))) },
    // Bodies sent some other way (the anti-forgery value wrong too, so a body that is read is still refused).
    { weight: 1, arbitrary: fc.tuple(link(), fc.boolean()).chain(([l, continuing]) => oddBodies(encodeForm(continuing ? [pair('_csrf', 'x')] : [pair('session', l.session), pair('_csrf', 'x')])).map((o) => ({ label: `${o.how} to ${continuing ? l.name : formOf[l.purpose]}`, method: 'POST', path: continuing ? `/respond/${l.token}` : formOf[l.purpose], raw: { body: o.body, headers: o.headers }, expect: [400, 403, 413, 415] }))) },
    // Methods the party pages do not take.
    { weight: 1, arbitrary: fc.tuple(link(), fc.constantFrom('PUT', 'PATCH', 'DELETE'), fc.boolean()).map(([l, method, form]) => ({ label: `${method} ${form ? formOf[l.purpose] : l.name}`, method, path: form ? formOf[l.purpose] : `/respond/${l.token}`, pairs: [...session(l), pair('_csrf', l.csrf)], expect: [404] })) },
  );

  /** Every so often from the one address past its limit: the limit answers, before anything else. */
  const maybeLimited = () => fc.tuple(requests(), fc.integer({ min: 0, max: 19 })).map(([r, n]) => (n === 0 ? { ...r, label: `${r.label}, from the busy address`, limited: true, expect: [429, ...(r.expect?.includes(431) ? [431] : [])] } : r));

  let firstFailure: string | undefined;
  let busyAddressUsed = 0;
  async function check(req: PartyRequest): Promise<Answer> {
    // One address sends 60 requests first, so all later ones from it are over the limit.
    while (req.limited && busyAddressUsed < 60) {
      busyAddressUsed++;
      await send(app.baseUrl, 'GET', `/respond/${'B'.repeat(43)}`, { headers: { 'x-forwarded-for': '192.0.2.1' } });
    }
    const from = req.limited ? '192.0.2.1' : `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`;
    address++;
    const body = req.raw?.body ?? (req.pairs ? encodeForm(req.pairs) : undefined);
    const sessionsBefore = digests.count('party_sessions');
    const answer = await send(app.baseUrl, req.method, req.path, { ...(body !== undefined ? { body } : {}), headers: { 'x-forwarded-for': from, ...req.raw?.headers } });
    sent++;
    statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    const label = `${firstFailure ? `(after an earlier failure: ${firstFailure}) ` : ''}${req.label} (${req.method} ${req.path.slice(0, 100)})`;
    const after = digests.take();
    try {
      expectCleanRefusal(answer, statusesAllowed, label);
      if (req.expect) expect(req.expect, `${label} → ${answer.status} ${answer.text.replace(/\s+/g, ' ').slice(0, 200)}`).toContain(answer.status);
      const opened = req.opens !== undefined && answer.status === 200;
      // A refusal writes nothing but, once failed links are audited, its own entry and back-off.
      expectOnlyWrites(baseline, after, opened ? ['party_sessions'] : failedAccessWrites('link'), label, digests);
      if (opened) {
        // Exactly one session, on this link.
        expect(digests.count('party_sessions') - sessionsBefore, label).toBe(1);
        expect(digests.rows('party_sessions').filter((s) => s.link_id === req.opens).length, label).toBeGreaterThan(0);
      }
    } catch (err) {
      firstFailure ??= label.slice(0, 600);
      throw err;
    } finally {
      baseline = after;
    }
    return answer;
  }

  it('malformed tokens, Continue without its value, sessions missing or another’s, and answers no form takes: refused, nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(maybeLimited(), async (req) => void (await check(req))),
      fuzzOptions(fuzzRuns(600, 10_500)),
    );
  }, fuzzTimeout);

  it('after all of it: every kind of refusal was reached, nothing was polluted, and the links still work', async () => {
    expect(sent).toBeGreaterThanOrEqual(fuzzRuns(600, 10_500));
    for (const status of [200, 403, 404, 422, 429]) expect(statuses.get(status) ?? 0, `status ${status} in ${JSON.stringify([...statuses])}`).toBeGreaterThan(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(changedTables(baseline, digests.take())).toEqual([]);
    // The invitation's own session still takes an answer: the refusals were not because everything is refused.
    const invitation = links.find((l) => l.purpose === 'invitation')!;
    const answered = await send(app.baseUrl, 'POST', '/respond/answer', { body: encodeForm([...session(invitation), pair('response', 'more_info')]), headers: { 'x-forwarded-for': '198.51.100.9' } });
    expect(answered.status, answered.text.slice(0, 300)).toBe(200);
    expect(changedTables(baseline, digests.take())).toContain('history');
  });
});
