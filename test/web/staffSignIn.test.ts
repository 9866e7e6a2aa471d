import { describe, expect, it } from 'vitest';
import { absoluteTimeoutMs, idleTimeoutMs } from '../../src/auth/staffSessions.js';
import { openCase, withApp } from '../support/harness.js';
import { staffBrowser } from './staffBrowser.js';
import { withoutNonce } from './partySteps.js';

const minutes = (n: number) => n * 60 * 1000;

describe('staff sign-in and sessions', () => {
  const env = withApp();

  it('sends an anonymous visitor to sign in, then back to where they were going', async () => {
    const id = await openCase(env.app, env.staff);
    const browser = staffBrowser(env.app);
    for (const path of ['/', `/cases/${id}`, '/cases/new', `/cases/${id}/events/ADD_NOTE`]) {
      const page = await browser.get(path);
      expect(page.status, path).toBe(303);
      expect(page.location).toBe(`/sign-in?returnTo=${encodeURIComponent(path)}`);
    }
    const landed = await browser.signIn(env.staff.facilitator.email, undefined, `/cases/${id}`);
    expect(landed.status).toBe(200);
    expect(landed.$('h1').text()).toContain('RJ-2026-');
    // The API and the party pages keep their own ways in.
    expect((await env.app.request('GET', '/api/me')).status).toBe(401);
  });

  it('refuses a returnTo that leaves the site', async () => {
    for (const returnTo of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const browser = staffBrowser(env.app);
      const landed = await browser.signIn(env.staff.supervisor.email, undefined, returnTo);
      expect(landed.$('h1').text().trim()).toBe('Dashboard');
    }
  });

  it('answers an unknown email and a wrong password with the same page, and creates no session', async () => {
    const attempt = async (email: string, password: string) => {
      const browser = staffBrowser(env.app);
      const form = await browser.get('/sign-in');
      const started = performance.now();
      const page = await browser.post('/sign-in', { ...browser.hiddenOf(form, '/sign-in'), email, password });
      return { page, ms: performance.now() - started, browser };
    };
    const unknown = await attempt('nobody@test.rj.local', 'correct horse battery staple');
    const wrong = await attempt(env.staff.facilitator.email, 'not the password at all');
    for (const { page, browser } of [unknown, wrong]) {
      expect(page.status).toBe(401);
      expect(page.$('.govuk-error-summary').text()).toContain('Enter a correct email address and password');
      expect([...browser.cookies.keys()].filter((k) => k.includes('session'))).toEqual([]);
    }
    const normalise = (html: string) => withoutNonce(html).replace(/value="[A-Za-z0-9_-]{43}"/g, '').replace(/value="[^"]*@[^"]*"/g, '');
    expect(normalise(unknown.page.html)).toBe(normalise(wrong.page.html));
  });

  it('refuses a sign-in form posted without its anti-forgery token', async () => {
    const browser = staffBrowser(env.app);
    const page = await browser.post('/sign-in', { email: env.staff.facilitator.email, password: 'correct horse battery staple' });
    expect(page.status).toBe(403);
    expect(page.$('h1').text()).toBe('This form has expired');
  });

  it('gives a new session id at every sign-in, with the cookie flags, and sign-out ends it on the server', async () => {
    const browser = staffBrowser(env.app);
    // A session id planted before sign-in (fixation) is never the one signing in gives.
    const planted = 'p'.repeat(43);
    browser.cookies.set('rj_session', planted);
    const form = await browser.get('/sign-in');
    const first = await browser.post('/sign-in', { ...browser.hiddenOf(form, '/sign-in'), email: env.staff.facilitator.email, password: 'correct horse battery staple' });
    const cookie = first.headers.getSetCookie().find((c) => c.startsWith('rj_session='))!;
    // Plain HTTP in tests: the development form of the cookie (no __Host- prefix, no Secure).
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/);
    const firstId = browser.cookies.get('rj_session');
    expect(firstId).not.toBe(planted);
    const home = await browser.follow(first);
    expect(home.status).toBe(200);

    const out = await browser.post('/sign-out', browser.hiddenOf(home, '/sign-out'));
    expect(out.location).toBe('/sign-in?signedOut=1');
    expect((await browser.follow(out)).$('.govuk-notification-banner').text()).toContain('You have signed out.');
    // Sign-out ended the session on the server: its id no longer opens anything.
    const replay = staffBrowser(env.app);
    replay.cookies.set('rj_session', firstId!);
    expect((await replay.get('/')).status).toBe(303);

    await browser.signIn(env.staff.facilitator.email);
    expect(browser.cookies.get('rj_session')).not.toBe(firstId);
  });

  it('ends a session after 30 minutes idle and after 12 hours in all', async () => {
    const browser = staffBrowser(env.app);
    await browser.signIn(env.staff.supervisor.email);
    env.app.clock.advance(idleTimeoutMs - minutes(1));
    expect((await browser.get('/')).status).toBe(200);
    env.app.clock.advance(idleTimeoutMs - minutes(1));
    expect((await browser.get('/')).status, 'used within 30 minutes: still signed in').toBe(200);
    env.app.clock.advance(idleTimeoutMs);
    expect((await browser.get('/')).status, 'idle for 30 minutes').toBe(303);

    const busy = staffBrowser(env.app);
    await busy.signIn(env.staff.supervisor.email);
    for (let used = 0; used < absoluteTimeoutMs - minutes(20); used += minutes(20)) {
      env.app.clock.advance(minutes(20));
      expect((await busy.get('/')).status).toBe(200);
    }
    env.app.clock.advance(minutes(21));
    expect((await busy.get('/')).status, '12 hours after signing in, however busy').toBe(303);
  });

  it('refuses a state-changing form without its token, and nothing changes', async () => {
    const id = await openCase(env.app, env.staff);
    const browser = staffBrowser(env.app);
    await browser.signIn(env.staff.facilitator.email);
    const before = (await env.app.request('GET', `/api/cases/${id}`, { token: env.staff.supervisor.token })).body.case.version;
    const form = await browser.get(`/cases/${id}/events/ADD_NOTE`);
    const { _csrf: _, ...withoutToken } = browser.hiddenOf(form, `/cases/${id}/events/ADD_NOTE`);
    const page = await browser.post(`/cases/${id}/events/ADD_NOTE`, { ...withoutToken, text: 'Phoned the victim' });
    expect(page.status).toBe(403);
    const forged = await browser.post(`/cases/${id}/events/ADD_NOTE`, { ...withoutToken, _csrf: 'x'.repeat(43), text: 'Phoned the victim' });
    expect(forged.status).toBe(403);
    expect((await env.app.request('GET', `/api/cases/${id}`, { token: env.staff.supervisor.token })).body.case.version).toBe(before);
  });
});
