import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../mail/support/smtpSink.js';
import { addCheapStaff } from '../support/cheapStaff.js';
import { addStaff, startApp, tempDir, type Staff, type TestApp } from '../support/harness.js';
import { countRows } from '../support/rawDatabase.js';
import { password, staffBrowser, type StaffBrowser } from '../web/staffBrowser.js';

const seconds = (n: number) => n * 1000;
const minutes = (n: number) => n * 60_000;

/**
 * Two-factor sign-in as the service runs it by default: supervisors and admins must
 * set it up, and sign in with a code after their password. Mail goes to a real SMTP
 * server on loopback.
 */
describe('two-factor sign-in, accounts and back-off', () => {
  const tmp = tempDir();
  let app: TestApp;
  let staff: Staff;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink();
    app = await startApp(`${tmp.dir}/rj.sqlite`, undefined, { REQUIRE_2FA_FOR: 'supervisor,admin', SMTP_URL: sink.url, BASE_URL: 'https://rj.test.example' });
    // Stored with a cheap scrypt cost (the hash carries it), so each sign-in takes milliseconds, not half a second.
    staff = await addCheapStaff(app);
  });
  afterAll(async () => {
    await app.stop();
    await sink.close();
    tmp.remove();
  });

  const cookieOf = (b: StaffBrowser) => b.cookies.get('__Host-rj_session');
  /** The password step: where it leads, and the session it opened. */
  async function password1(b: StaffBrowser, email: string, pass = password) {
    const form = await b.get('/sign-in');
    return b.post('/sign-in', { ...b.hiddenOf(form, '/sign-in'), email, password: pass });
  }
  /** Sets up two-factor sign-in for someone who must have it, at their first sign-in; returns the secret and the recovery codes. */
  async function enrol(b: StaffBrowser, email: string) {
    const afterPassword = await password1(b, email);
    expect(afterPassword.location).toBe('/account/two-factor?returnTo=%2F');
    const setUp = await b.follow(afterPassword);
    expect(setUp.$('h1').text()).toBe('Set up two-factor sign-in');
    expect(setUp.$('.app-qr-code svg')).toHaveLength(1);
    const secret = setUp.$('.app-secret-key').text().replace(/\s/g, '');
    const done = await b.post('/account/two-factor', { ...b.hiddenOf(setUp, '/account/two-factor'), code: app.services.totp.codeAt(secret, app.clock()) });
    expect(done.status, done.$('h1').text()).toBe(200);
    return { secret, recoveryCodes: done.$('.app-recovery-codes code').map((_, c) => done.$(c).text()).get() };
  }
  async function codeStep(b: StaffBrowser, code: string) {
    const form = await b.get('/sign-in/code');
    return b.post('/sign-in/code', { ...b.hiddenOf(form, '/sign-in/code'), code });
  }

  it('a supervisor must set it up at first sign-in; each step renews the session; a code cannot be used twice; recovery codes work once', async () => {
    const b = staffBrowser(app);
    const { secret, recoveryCodes } = await enrol(b, staff.supervisor.email);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect((await b.get('/')).$('h1').text()).toBe('Dashboard');
    // Stored encrypted, and the codes only as hashes.
    const stored = (await app.services.store.userById(staff.supervisor.id))!.totpSecret!;
    expect(stored).not.toContain(secret);
    expect(await countRows(app, 'recovery_codes')).toBe(10);

    // Signing in again: the password step opens a half-way session that opens nothing but the second step.
    const again = staffBrowser(app);
    const step1 = await password1(again, staff.supervisor.email);
    expect(step1.location).toBe('/sign-in/code?returnTo=%2F');
    const halfWay = cookieOf(again);
    expect((await again.get('/')).location).toBe('/sign-in/code?returnTo=%2F');
    expect((await again.get('/api/me')).status).toBe(401);
    // The code just used at enrolment is refused within its window: a replay.
    const replayed = await codeStep(again, app.services.totp.codeAt(secret, app.clock()));
    expect(replayed.status).toBe(401);
    expect(replayed.$('.govuk-error-summary').text()).toContain('Enter the 6-digit code your app shows now');
    app.clock.advance(seconds(30));
    const code = app.services.totp.codeAt(secret, app.clock());
    const passed = await codeStep(again, code);
    expect(passed.location).toBe('/');
    expect(cookieOf(again)).not.toBe(halfWay);
    const stale = staffBrowser(app);
    stale.cookies.set('__Host-rj_session', halfWay!);
    expect((await stale.get('/')).status, 'the half-way session ended when the second step passed').toBe(303);

    // The same code, from another sign-in in the same 30 seconds: refused.
    const third = staffBrowser(app);
    await password1(third, staff.supervisor.email);
    expect((await codeStep(third, code)).status).toBe(401);
    // A recovery code works once.
    const recovered = await codeStep(third, recoveryCodes[0]!.toLowerCase());
    expect(recovered.$('h1').text()).toBe('You signed in with a recovery code');
    expect(recovered.$('main').text()).toContain('You have 9 left');
    const fourth = staffBrowser(app);
    await password1(fourth, staff.supervisor.email);
    expect((await codeStep(fourth, recoveryCodes[0]!)).status).toBe(401);
    expect(await countRows(app, 'access_failures')).toBeGreaterThanOrEqual(3);
  });

  it('an account is backed off after 5 wrong passwords, with the same page whether or not it exists; the right password then waits too', async () => {
    const attempt = async (email: string, pass: string) => password1(staffBrowser(app), email, pass);
    for (let i = 0; i < 5; i++) expect((await attempt(staff.facilitator2.email, 'wrong password number')).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await attempt('nobody@test.rj.local', 'wrong password number')).status).toBe(401);
    // The 6th failure of each blocks it for a second, the 7th for two, and so on.
    expect((await attempt(staff.facilitator2.email, 'wrong password number')).status).toBe(401);
    expect((await attempt('nobody@test.rj.local', 'wrong password number')).status).toBe(401);
    const known = await attempt(staff.facilitator2.email, password);
    const unknown = await attempt('nobody@test.rj.local', password);
    expect([known.status, unknown.status]).toEqual([429, 429]);
    expect(known.$('main').text()).toBe(unknown.$('main').text());
    expect(known.headers.get('retry-after')).toBe('1');
    app.clock.advance(seconds(2));
    expect((await attempt(staff.facilitator2.email, password)).status).toBe(303);
    // A correct password clears the account's count: the next failure is free again.
    expect((await attempt(staff.facilitator2.email, 'wrong password number')).status).toBe(401);
  });

  it('an admin adds a user, who chooses a password through a single-use link; common and short passwords are refused', async () => {
    const admin = staffBrowser(app);
    await enrol(admin, staff.admin.email);
    expect((await admin.get('/')).location).toBe('/admin');
    const added = await admin.fill('/admin/users/new', { name: 'Nia New', email: 'nia@test.rj.local', role: 'facilitator' });
    expect(added.status, added.$('.govuk-error-summary').text()).toBe(303);
    await app.services.accountOutbox.deliverDue();
    const mail = sink.received.find((m) => m.envelopeTo.includes('nia@test.rj.local'))!;
    expect(mail.parsed.subject).toContain('choose your password');
    expect(mail.parsed.text).not.toMatch(/password:\s*\S/i);
    const link = /https:\/\/rj\.test\.example(\/account\/set-up\/[A-Za-z0-9_-]{43})/.exec(mail.parsed.text ?? '')![1]!;
    expect(mail.messageId).toMatch(/^<account-notice-.+@rj\.test\.example>$/);

    const nia = staffBrowser(app);
    for (const [typed, message] of [['short one', 'at least 12 characters'], ['passwordpassword', 'most commonly used']] as const) {
      const refused = await nia.fill(link, { password: typed });
      expect(refused.status).toBe(422);
      expect(refused.$('.govuk-error-summary').text()).toContain(message);
    }
    expect((await nia.fill(link, { password: 'a kettle of brass tacks' })).$('h1').text()).toContain('Your password is saved');
    expect((await nia.get(link)).status, 'the link works once').toBe(404);
    expect((await password1(nia, 'nia@test.rj.local', 'a kettle of brass tacks')).location).toBe('/');
    const list = await admin.get('/admin');
    expect(list.$('[data-users]').text()).toContain('Nia New');
  });

  it('a disabled user is signed out and their tokens stop at once; a reset two-factor set-up is set up again at the next sign-in', async () => {
    const admin = staffBrowser(app);
    app.clock.advance(seconds(30));
    const f = staffBrowser(app);
    expect((await password1(f, staff.facilitator.email)).location).toBe('/');
    expect((await f.get('/')).status).toBe(200);
    expect((await app.request('GET', '/api/me', { token: staff.facilitator.token })).status).toBe(200);

    const adminSecret = (await app.services.store.userById(staff.admin.id))!.totpSecret!;
    await password1(admin, staff.admin.email);
    expect((await codeStep(admin, app.services.totp.codeAt(app.services.totp.decrypt(adminSecret), app.clock()))).location).toBe('/');
    const page = await admin.get(`/admin/users/${staff.facilitator.id}`);
    const disabled = await admin.post(`/admin/users/${staff.facilitator.id}/disable`, admin.hiddenOf(page, `/admin/users/${staff.facilitator.id}/disable`));
    expect(disabled.status).toBe(303);
    expect((await f.get('/')).status).toBe(303);
    expect((await app.request('GET', '/api/me', { token: staff.facilitator.token })).status).toBe(401);
    expect((await password1(staffBrowser(app), staff.facilitator.email)).status).toBe(401);

    const userPage = await admin.get(`/admin/users/${staff.supervisor.id}`);
    await admin.post(`/admin/users/${staff.supervisor.id}/reset-two-factor`, admin.hiddenOf(userPage, `/admin/users/${staff.supervisor.id}/reset-two-factor`));
    const s = staffBrowser(app);
    expect((await password1(s, staff.supervisor.email)).location).toBe('/account/two-factor?returnTo=%2F');
    expect((await admin.get('/admin/access-failures')).$('[data-failures]').text()).toContain('Wrong email or password');
  });

  it('API tokens: issued only after two-factor set-up, labelled, listed, revoked; a password change ends the other sessions', async () => {
    const f2 = staffBrowser(app);
    app.clock.advance(seconds(30));
    expect((await password1(f2, staff.facilitator2.email)).location).toBe('/');
    expect((await f2.get('/account/tokens/new')).status, 'no two-factor sign-in yet').toBe(403);
    const setUp = await f2.get('/account/two-factor');
    const secret = setUp.$('.app-secret-key').text().replace(/\s/g, '');
    await f2.post('/account/two-factor', { ...f2.hiddenOf(setUp, '/account/two-factor'), code: app.services.totp.codeAt(secret, app.clock()) });
    const issued = await f2.fill('/account/tokens/new', { label: 'Weekly export' });
    expect(issued.status).toBe(201);
    const token = issued.$('[data-new-token]').text();
    expect((await app.request('GET', '/api/me', { token })).body.email).toBe(staff.facilitator2.email);
    const list = await f2.get('/account/tokens');
    expect(list.$('[data-tokens]').text()).toContain('Weekly export');
    const row = list.$('[data-tokens] [data-token]').first();
    const revoke = `/account/tokens/${row.attr('data-token')}/revoke`;
    expect((await f2.post(revoke, f2.hiddenOf(list, revoke))).status).toBe(303);
    expect((await app.request('GET', '/api/me', { token })).status).toBe(401);

    // Another browser, then a password change here: that one is signed out, this one stays.
    const other = staffBrowser(app);
    await password1(other, staff.facilitator2.email);
    app.clock.advance(seconds(30));
    await codeStep(other, app.services.totp.codeAt(secret, app.clock()));
    expect((await other.get('/')).status).toBe(200);
    expect((await f2.get('/account')).$('[data-sessions] tbody tr').length).toBeGreaterThanOrEqual(2);
    const changed = await f2.fill('/account/password', { currentPassword: password, newPassword: 'another long passphrase' });
    expect(changed.status).toBe(303);
    expect((await other.get('/')).status).toBe(303);
    expect((await f2.get('/account')).$('[data-sessions] tbody tr')).toHaveLength(1);
  });

  it('API tokens expire after 90 days', async () => {
    const token = await app.services.users.createToken(staff.supervisor2.id, { label: 'script' });
    expect((await app.request('GET', '/api/me', { token })).status).toBe(200);
    app.clock.advance(minutes(90 * 24 * 60));
    expect((await app.request('GET', '/api/me', { token })).status).toBe(401);
  });

  it('a burst of 20 failures within 5 minutes emails each admin once, and not again within the hour', async () => {
    // Well over an hour after the earlier tests' failures, which raised an alert of their own.
    await app.services.accountOutbox.deliverDue();
    const earlier = sink.received.length;
    for (let i = 0; i < 25; i++) {
      app.clock.advance(seconds(5));
      expect((await app.request('GET', '/api/me', { token: `rj_${'y'.repeat(43)}` })).status).toBe(401);
    }
    await app.services.accountOutbox.deliverDue();
    const alerts = sink.received.slice(earlier).filter((m) => m.envelopeTo.includes(staff.admin.email) && /failed sign-ins/.test(m.parsed.subject ?? ''));
    expect(alerts.map((m) => m.parsed.subject)).toEqual(['20 failed sign-ins in 5 minutes']);
    expect(alerts[0]!.parsed.text).toContain('https://rj.test.example/admin/access-failures');
  });
});

describe('back-off for tokens and links from one address', () => {
  const tmp = tempDir();
  let app: TestApp;
  let staff: Staff;
  beforeAll(async () => {
    app = await startApp(`${tmp.dir}/rj.sqlite`, undefined, { BACKOFF_AFTER_ADDRESS_FAILURES: '3' });
    staff = await addStaff(app.services);
  });
  afterAll(async () => {
    await app.stop();
    tmp.remove();
  });

  it('bad bearer tokens, then bad links: free at first, then 429 for everyone at that address until the wait is over', async () => {
    for (let i = 0; i < 4; i++) expect((await app.request('GET', '/api/me', { token: `rj_${'x'.repeat(43)}` })).status).toBe(401);
    const blocked = await app.request('GET', '/api/me', { token: staff.supervisor.token });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('1');
    app.clock.advance(seconds(1));
    expect((await app.request('GET', '/api/me', { token: staff.supervisor.token })).status).toBe(200);

    for (let i = 0; i < 4; i++) expect((await fetch(`${app.baseUrl}/respond/not-a-link-${i}`)).status).toBe(404);
    expect((await fetch(`${app.baseUrl}/respond/not-a-link`)).status).toBe(429);
    expect(await countRows(app, 'access_failures')).toBe(8);
  });
});
