import { load } from 'cheerio';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCheapStaff, addCheapUser, cheapPassword, disableUser, type CheapStaff } from '../support/cheapStaff.js';
import { startApp, tempDir, type TestApp, type TestUser } from '../support/harness.js';
import { blank, controlString, encodeForm, expectCleanRefusal, hugeString, junkValue, noisy, oddBodies, pair, prototypeWords, rawFragment, send, unicodeString, type Answer, type Pair } from './formJunk.js';
import { fuzzMode, fuzzOptions, fuzzRuns, fuzzTimeout } from './fuzzRuns.js';
import { changedTables, expectOnlyWrites, failedAccessWrites, tableDigests, type MayWrite, type TableDigests } from './tableDigest.js';

/**
 * Sign-in under malformed requests: the form's anti-forgery value and the cookie it is bound to
 * missing, wrong, repeated or another form's; emails and passwords that are junk (wrong types as
 * repeated fields, arrays for scalars, control characters, unicode, huge strings, prototype keys);
 * return addresses that try to leave the site; bodies of the wrong type; and the rate limit. Every
 * answer: no 5xx, no stack trace; a refusal is any 4xx (a limit's or a back-off's 429 included) and
 * writes nothing but the audit entry of a failed password and its back-off (failedAccessWrites). A
 * correct sign-in with junk around it writes one session (and the user's last sign-in time, and clears
 * the account's back-off), and goes on to a path on this site.
 *
 * The accounts' hashes are cheap (test/support/cheapStaff.ts), so a known email costs ~2 ms; an
 * unknown one is checked against the service's dummy hash at full cost (~0.5 s here), so those have a
 * property of their own with few runs.
 */

/** A refused sign-in writes nothing but, once failed sign-ins are audited, its own entry and back-off. */
const refusedSignInMayWrite = failedAccessWrites('password', 'second_step');
/** A correct one opens one session, clears the account's back-off, and records when the user signed in. */
const signInMayWrite: MayWrite = { staff_sessions: 'any', throttles: 'any', users: 'any' };
const anyStatus = new Set([200, 303, 400, 401, 403, 404, 405, 409, 413, 415, 422, 423, 429]);
const sameSite = /^\/(?![/\\])[\x21-\x7e]*$/;

interface SignInRequest {
  label: string;
  method: string;
  path: string;
  cookie?: string;
  pairs?: Pair[];
  raw?: { body: string; headers: Record<string, string> };
  /** The statuses it may get; by default any 4xx. */
  expect?: number[];
  /** The user a correct sign-in opens a session for. */
  signsIn?: string;
  limited?: boolean;
}

describe(`sign-in fuzz (${fuzzMode})`, () => {
  const tmp = tempDir();
  const dbPath = `${tmp.dir}/rj.sqlite`;
  let app: TestApp;
  let staff: CheapStaff;
  /** An account only the last test signs in to. */
  let lastCheck: TestUser;
  let digests: TableDigests;
  let baseline: Map<string, string>;
  /** Sign-in forms as GET /sign-in gives them: the cookie's nonce and the form's value bound to it. */
  const forms: { nonce: string; csrf: string }[] = [];
  let sent = 0;
  let address = 0;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    // Each request from an address of its own, and no per-account back-off: every junk password reaches the
    // check rather than the back-off's 429 (which the busy address still gets from the per-address limit).
    app = await startApp(dbPath, undefined, { TRUST_PROXY: '1', BACKOFF_AFTER_ACCOUNT_FAILURES: '1000000' });
    staff = await addCheapStaff(app);
    disableUser(app, staff.disabled.id);
    lastCheck = await addCheapUser(app, 'facilitator', 'last check');
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${app.baseUrl}/sign-in`, { headers: { 'x-forwarded-for': `172.16.0.${i}` } });
      const nonce = /rj_signin=([^;]+)/.exec(res.headers.getSetCookie().join('\n'))![1]!;
      const csrf = load(await res.text())('form[action="/sign-in"] input[name=_csrf]').attr('value')!;
      forms.push({ nonce, csrf });
    }
    digests = tableDigests(dbPath);
    baseline = digests.take();
  });

  afterAll(async () => {
    digests?.close();
    await app?.stop();
    tmp.remove();
  });

  const form = () => fc.constantFrom(...forms);
  const accounts = () => fc.constantFrom(staff.supervisor, staff.facilitator, staff.admin, staff.disabled);
  const notThePassword = fc
    .oneof(
      junkValue,
      fc.constantFrom('', cheapPassword.toUpperCase(), `${cheapPassword} `, ` ${cheapPassword}`, cheapPassword.slice(0, -1), `${cheapPassword}\u0000`, cheapPassword.replace(/ /g, '\u00a0'), ...prototypeWords),
      fc.string({ unit: 'binary', maxLength: 200 }),
    )
    // scrypt keys HMAC-SHA256 with the password, and HMAC pads a short key with zero bytes: the password
    // with NULs after it is the same key, so it signs in. Not a way in for anyone without the password.
    .filter((p) => p.normalize('NFKC').replace(/\u0000+$/, '') !== cheapPassword);
  const junkReturnTo = fc.oneof(
    fc.constantFrom('//evil.example/', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/%2F%2Fevil.example', '/\t/evil.example', '/\r\nSet-Cookie: x=1', '\\\\evil.example', ' //evil.example', '/cases/../../x', '/' + 'a'.repeat(2100), '', '/', '/cases?x=1#y', 'data:text/html,x', '///evil.example', '/\u2215evil.example', '/%5Cevil.example', '/@evil.example'),
    junkValue,
  );
  /** Cookie headers that do not carry a form's nonce (or carry it with its value broken). */
  const badCookie: fc.Arbitrary<{ how: string; cookie?: string }> = fc.oneof(
    fc.constant({ how: 'no cookie' }),
    fc.stringMatching(/^[A-Za-z0-9_-]{22}$/).map((n) => ({ how: 'a nonce it was not issued', cookie: `rj_signin=${n}` })),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,60}$/).filter((n) => n.length !== 22).map((n) => ({ how: 'a nonce of the wrong length', cookie: `rj_signin=${n}` })),
    fc.constantFrom('rj_signin=', 'rj_signin', '=x', 'rj_signin="', 'RJ_SIGNIN=x', 'rj_signin=%ZZ', 'rj_signin=%00', '; ;', 'rj_signin=a;rj_signin=b').map((cookie) => ({ how: `cookie ${JSON.stringify(cookie)}`, cookie })),
  );

  /** A body whose anti-forgery value does not match the nonce its cookie carries. */
  const brokenToken = (): fc.Arbitrary<SignInRequest> =>
    fc
    .tuple(
      form(),
      fc.oneof(
        badCookie.chain((c) => form().map((f) => ({ how: `${c.how}, a form's own value`, cookie: c.cookie, csrf: [pair('_csrf', f.csrf)] }))),
        form().chain((f) =>
          fc
            .oneof<fc.Arbitrary<{ how: string; csrf: Pair[] }>[]>(
              fc.constant({ how: 'no value', csrf: [] }),
              fc.constant({ how: 'an empty value', csrf: [pair('_csrf', '')] }),
              fc.constantFrom(...forms.filter((o) => o !== f)).map((o) => ({ how: 'another form’s value', csrf: [pair('_csrf', o.csrf)] })),
              fc.constant({ how: 'its value twice', csrf: [pair('_csrf', f.csrf), pair('_csrf', f.csrf)] }),
              fc.constantFrom('[]', '[0]').map((s) => ({ how: `its value as _csrf${s}`, csrf: [pair(`_csrf${s}`, f.csrf)] })),
              fc.constantFrom<[string, (t: string) => string]>(['truncated', (t) => t.slice(0, -1)], ['extended', (t) => `${t}x`], ['upper-cased', (t) => t.toUpperCase()], ['padded', (t) => ` ${t}`]).map(([how, g]) => ({ how: `its value ${how}`, csrf: [pair('_csrf', g(f.csrf))] })),
              fc.constant({ how: 'the nonce as the value', csrf: [pair('_csrf', f.nonce)] }),
              junkValue.map((v) => ({ how: 'junk', csrf: [pair('_csrf', v)] })),
            )
            .map((x) => ({ ...x, cookie: `rj_signin=${f.nonce}` })),
        ),
      ),
      accounts(),
      fc.boolean(),
      junkReturnTo,
    )
    .chain(([, bad, account, rightPassword, returnTo]) =>
      noisy([...bad.csrf, pair('email', account.email), pair('password', rightPassword ? cheapPassword : 'wrong password'), pair('returnTo', returnTo)], new Set(['_csrf'])).map((n) => ({
        label: `${bad.how}${rightPassword ? ', with the right password' : ''}${n.how.length ? ` + ${n.how.join(', ')}` : ''}`,
        method: 'POST',
        path: '/sign-in',
        ...(bad.cookie !== undefined ? { cookie: bad.cookie } : {}),
        pairs: n.pairs,
        expect: [403, 413, 429],
      })),
    );

  /** The form's own value and cookie, a known account, and a password that is not its password (or an account that is disabled). */
  const wrongPassword = (): fc.Arbitrary<SignInRequest> => fc.tuple(form(), accounts(), junkReturnTo, fc.boolean()).chain(([f, account, returnTo, twice]) => {
    const disabledRight = account === staff.disabled;
    return fc
      .oneof(
        notThePassword.map((p) => ({ how: `password ${JSON.stringify(p).slice(0, 30)}`, pairs: [pair('password', p)] })),
        fc.constant({ how: 'no password', pairs: [] as Pair[] }),
        fc.constant({ how: 'the password twice', pairs: [pair('password', cheapPassword), pair('password', cheapPassword)] }),
        fc.constantFrom('[]', '[0]').map((s) => ({ how: `the password as password${s}`, pairs: [pair(`password${s}`, cheapPassword)] })),
        ...(disabledRight ? [fc.constant({ how: 'the disabled account’s right password', pairs: [pair('password', cheapPassword)] })] : []),
      )
      .chain((p) =>
        noisy([pair('_csrf', f.csrf), pair('email', twice ? ` ${account.email}\t` : account.email), ...p.pairs, pair('returnTo', returnTo)], new Set(['_csrf', 'email', 'password', 'password[]', 'password[0]'])).map((n) => ({
          label: `${account.email}, ${p.how}${n.how.length ? ` + ${n.how.join(', ')}` : ''}`,
          method: 'POST',
          path: '/sign-in',
          cookie: `rj_signin=${f.nonce}`,
          pairs: n.pairs,
        })),
      );
  });

  /** Emails that are no account's: each is checked against the dummy hash, at full cost. */
  const unknownEmail = (): fc.Arbitrary<SignInRequest> => fc.tuple(form(), accounts()).chain(([f, account]) =>
    fc
      .oneof(
        // (Not the email upper-cased: emails are matched without regard to case, so that one is the account's.)
        fc.constantFrom(account.email.replace('@', '@@'), `${account.email}\u0000`, `${account.email}.`, account.email.replace('.local', '.locaI'), ...prototypeWords).map((email) => ({ how: `email ${JSON.stringify(email)}`, pairs: [pair('email', email)] })),
        fc.oneof(junkValue, controlString, unicodeString, blank, hugeString).map((email) => ({ how: `email ${JSON.stringify(email).slice(0, 30)}`, pairs: [pair('email', email)] })),
        fc.constant({ how: 'the email twice', pairs: [pair('email', account.email), pair('email', account.email)] }),
        fc.constantFrom('[]', '[0]').map((s) => ({ how: `the email as email${s}`, pairs: [pair(`email${s}`, account.email)] })),
        fc.constant({ how: 'no email', pairs: [] as Pair[] }),
      )
      .chain((e) =>
        noisy([pair('_csrf', f.csrf), ...e.pairs, pair('password', cheapPassword)], new Set(['_csrf', 'email', 'email[]', 'email[0]', 'password']), 2).map((n) => ({
          label: `${e.how}, the right password${n.how.length ? ` + ${n.how.join(', ')}` : ''}`,
          method: 'POST',
          path: '/sign-in',
          cookie: `rj_signin=${f.nonce}`,
          pairs: n.pairs,
        })),
      ),
  );

  /** A correct sign-in with junk around it: one session, and on to a path on this site. */
  const correct = (): fc.Arbitrary<SignInRequest> => // Accounts no other property fails to sign in to: a per-account back-off would hold them back.
    fc.tuple(form(), fc.constantFrom(staff.supervisor2, staff.facilitator2), junkReturnTo).chain(([f, account, returnTo]) =>
    noisy([pair('_csrf', f.csrf), pair('email', account.email), pair('password', cheapPassword), pair('returnTo', returnTo)], new Set(['_csrf', 'email', 'password'])).map((n) => ({
      label: `${account.email} signing in, returnTo ${JSON.stringify(returnTo).slice(0, 60)}${n.how.length ? ` + ${n.how.join(', ')}` : ''}`,
      method: 'POST',
      path: '/sign-in',
      cookie: `rj_signin=${f.nonce}`,
      pairs: n.pairs,
      signsIn: account.id,
      expect: [303, 413, 429],
    })),
  );

  const junkQuery = fc
    .array(fc.oneof(fc.tuple(fc.constantFrom('returnTo', 'signedOut', 'email', ...prototypeWords), fc.oneof(junkReturnTo, junkValue).filter((v) => v.length < 3000)).map(([k, v]) => pair(k, v)), rawFragment.map((raw) => ({ raw }))), { maxLength: 3 })
    .map((pairs) => (pairs.length ? `?${encodeForm(pairs)}` : ''));

  const other = (): fc.Arbitrary<SignInRequest> => fc.oneof(
    // The form itself, with junk in its query: shown, and its returnTo only ever a path on this site.
    fc.tuple(junkQuery, fc.option(badCookie, { nil: undefined })).map(([q, c]) => ({ label: `GET /sign-in${q.slice(0, 80)}${c ? `, ${c.how}` : ''}`, method: 'GET', path: `/sign-in${q}`, ...(c?.cookie ? { cookie: c.cookie } : {}), expect: [200, 400] })),
    // Bodies sent another way, with a wrong value, so that a body that is read is still refused.
    fc.tuple(form(), accounts()).chain(([f, account]) =>
      oddBodies(encodeForm([pair('_csrf', 'x'), pair('email', account.email), pair('password', cheapPassword)])).map((o) => ({ label: o.how, method: 'POST', path: '/sign-in', cookie: `rj_signin=${f.nonce}`, raw: { body: o.body, headers: o.headers }, expect: [400, 403, 413, 415, 429] })),
    ),
    // Methods sign-in does not take, and sign-out or the second step by nobody.
    fc.tuple(fc.constantFrom('PUT', 'PATCH', 'DELETE'), form()).map(([method, f]) => ({ label: method, method, path: '/sign-in', cookie: `rj_signin=${f.nonce}`, pairs: [pair('_csrf', f.csrf), pair('email', staff.supervisor.email), pair('password', cheapPassword)], expect: [404] })),
    fc.tuple(junkValue, fc.constantFrom('/sign-out', '/sign-in/', '/sign-in%00', '/SIGN-IN', '/sign-in.json', '/sign-in/code')).map(([v, path]) => ({ label: `POST ${path} by nobody`, method: 'POST', path, pairs: [pair('_csrf', v)], ...(path === '/sign-out' ? { expect: [303, 413] } : {}) })),
  );

  /** Now and then from the one address past the limit: its 429 comes before anything but the body parser's refusals. */
  const fromBusyAddress = (r: fc.Arbitrary<SignInRequest>) =>
    fc.tuple(r, fc.integer({ min: 0, max: 24 })).map(([req, n]) => (n === 0 && req.method === 'POST' && req.path === '/sign-in' ? { ...req, label: `${req.label}, from the busy address`, limited: true, expect: [400, 413, 415, 429], signsIn: undefined } : req));

  let firstFailure: string | undefined;
  let busyAddressUsed = 0;
  async function check(req: SignInRequest): Promise<Answer> {
    while (req.limited && busyAddressUsed < 30) {
      busyAddressUsed++;
      await send(app.baseUrl, 'POST', '/sign-in', { body: 'a=1', headers: { 'x-forwarded-for': '192.0.2.2' } });
    }
    const from = req.limited ? '192.0.2.2' : `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`;
    address++;
    const body = req.raw?.body ?? (req.pairs ? encodeForm(req.pairs) : undefined);
    const sessionsBefore = digests.count('staff_sessions');
    const usersBefore = digests.rows('users').map(({ last_sign_in_at: _, ...rest }) => JSON.stringify(rest)).sort();
    const answer = await send(app.baseUrl, req.method, req.path, {
      ...(body !== undefined ? { body } : {}),
      headers: { 'x-forwarded-for': from, ...(req.cookie !== undefined ? { cookie: req.cookie } : {}), ...req.raw?.headers },
    });
    sent++;
    statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    const label = `${firstFailure ? `(after an earlier failure: ${firstFailure}) ` : ''}${req.label} (${req.method} ${req.path.slice(0, 80)})`;
    const said = `${label} → ${answer.status} ${answer.location ?? ''} ${answer.text.replace(/\s+/g, ' ').slice(0, 200)}`;
    const after = digests.take();
    try {
      expectCleanRefusal(answer, anyStatus, label);
      if (req.expect) expect(req.expect, said).toContain(answer.status);
      else expect(answer.status >= 400 && answer.status < 500, `${said}: a refusal is a 4xx`).toBe(true);
      const signedIn = req.signsIn !== undefined && answer.status === 303;
      if (signedIn) {
        expect(answer.location ?? '', `${said}: goes on to a path on this site`).toMatch(sameSite);
        expectOnlyWrites(baseline, after, signInMayWrite, label, digests);
        // Of the users, only the one signing in changes, and only in when they last signed in.
        const withoutSignInTime = (rows: Record<string, unknown>[]) => rows.map(({ last_sign_in_at: _, ...rest }) => JSON.stringify(rest)).sort();
        expect(withoutSignInTime(digests.rows('users')), `${label}: users changed`).toEqual(usersBefore);
        expect(digests.count('staff_sessions') - sessionsBefore, `${label}: sessions opened`).toBe(1);
        const newest = digests.rows('staff_sessions').map((s) => s as { user_id: string; created_at: string }).filter((s) => s.user_id === req.signsIn);
        expect(newest.length, label).toBeGreaterThan(0);
      } else {
        expectOnlyWrites(baseline, after, refusedSignInMayWrite, label, digests);
      }
      if (req.method === 'GET' && answer.status === 200) {
        const returnTo = load(answer.text)('form[action="/sign-in"] input[name=returnTo]').attr('value') ?? '';
        expect(returnTo, `${said}: the form's returnTo`).toMatch(sameSite);
      }
    } catch (err) {
      firstFailure ??= label.slice(0, 600);
      throw err;
    } finally {
      baseline = after;
    }
    return answer;
  }

  const runs = {
    brokenToken: fuzzRuns(200, 5_500),
    wrongPassword: fuzzRuns(120, 3_500),
    unknownEmail: fuzzRuns(3, 120),
    correct: fuzzRuns(15, 500),
    other: fuzzRuns(40, 700),
  };

  // A shape of request the fuzz found answered with a 500, kept as a plain test so that it fails the same way every run.
  it('a sign-in sent as something other than a form, or with no body, is refused: a 4xx, not a 500', async () => {
    const f = forms[0]!;
    const form = encodeForm([pair('_csrf', f.csrf), pair('email', staff.supervisor.email), pair('password', 'wrong password')]);
    for (const [i, [type, body]] of ([['application/json', JSON.stringify({ _csrf: f.csrf })], ['text/plain', form], ['multipart/form-data; boundary=x', form], [undefined, undefined]] as const).entries()) {
      const res = await fetch(`${app.baseUrl}/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: `rj_signin=${f.nonce}`, 'x-forwarded-for': `198.51.100.${i + 1}`, ...(type ? { 'content-type': type } : {}) },
        ...(body !== undefined ? { body } : {}),
      });
      expect(res.status, `POST /sign-in as ${type ?? 'nothing'}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `POST /sign-in as ${type ?? 'nothing'}`).toBeLessThan(500);
    }
    expect(changedTables(baseline, digests.take())).toEqual([]);
  });

  it('the form’s value or its cookie missing, wrong, repeated or another form’s: refused, nothing written', async () => {
    await fc.assert(fc.asyncProperty(fromBusyAddress(brokenToken()), async (req) => void (await check(req))), fuzzOptions(runs.brokenToken));
  }, fuzzTimeout);

  it('a known account with a password that is not its own, junk, repeated, an array, or a disabled account: refused, nothing written', async () => {
    await fc.assert(fc.asyncProperty(fromBusyAddress(wrongPassword()), async (req) => void (await check(req))), fuzzOptions(runs.wrongPassword));
  }, fuzzTimeout);

  it('emails that are no account’s (case, junk, repeated, an array): refused, nothing written', async () => {
    await fc.assert(fc.asyncProperty(unknownEmail(), async (req) => void (await check(req))), fuzzOptions(runs.unknownEmail));
  }, fuzzTimeout);

  it('a correct sign-in with junk around it and a return address trying to leave: one session, and on to a path on this site', async () => {
    await fc.assert(fc.asyncProperty(fromBusyAddress(correct()), async (req) => void (await check(req))), fuzzOptions(runs.correct));
  }, fuzzTimeout);

  it('the form with junk in its query, bodies of the wrong type, and methods sign-in does not take: no 5xx, nothing written', async () => {
    await fc.assert(fc.asyncProperty(fromBusyAddress(other()), async (req) => void (await check(req))), fuzzOptions(runs.other));
  }, fuzzTimeout);

  it('after all of it: every kind of answer was reached, nothing was polluted, and signing in still works', async () => {
    expect(sent).toBeGreaterThanOrEqual(Object.values(runs).reduce((a, b) => a + b, 0));
    for (const status of [200, 303, 401, 403, 429]) expect(statuses.get(status) ?? 0, `status ${status} in ${JSON.stringify([...statuses])}`).toBeGreaterThan(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(changedTables(baseline, digests.take())).toEqual([]);
    const f = forms[0]!;
    const signedIn = await send(app.baseUrl, 'POST', '/sign-in', {
      body: encodeForm([pair('_csrf', f.csrf), pair('email', lastCheck.email), pair('password', cheapPassword)]),
      headers: { cookie: `rj_signin=${f.nonce}`, 'x-forwarded-for': '198.51.100.77' },
    });
    expect(signedIn.status, signedIn.text.slice(0, 200)).toBe(303);
  });
});
