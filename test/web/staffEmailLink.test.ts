import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';
import { consentBoth, type CaseClient } from '../api/apiSteps.js';
import { baseUrl, mailFor, newCase, withMailApp } from '../mail/support/mailApp.js';
import type { TestApp } from '../support/harness.js';
import { password, staffBrowser } from './staffBrowser.js';

/**
 * A staff email's way into the case, as staff live it: the email arrives over SMTP (a real
 * sink on loopback), its link is taken from the delivered message, and a browser that is not
 * signed in follows it, signs in through the form and lands on that case's page.
 */
describe('the case link in a staff email', () => {
  const env = withMailApp();

  /** The one case-page link in the delivered `template` notice to `recipient`: the same in the text part and the HTML part. */
  async function caseLinkIn(app: TestApp, c: CaseClient, template: string, recipient: string, to: string): Promise<string> {
    await app.services.outbox.deliverDue();
    const notice = (await app.services.store.notices(c.id)).find((n) => n.template === template && n.recipient === recipient);
    expect(notice, `a ${template} notice to ${recipient}`).toBeDefined();
    const mail = mailFor(env.sink, notice!.id);
    expect(mail.envelopeTo).toContain(to);
    const text = mail.parsed.text ?? '';
    const inText = [...text.matchAll(/https?:\/\/\S+\/cases\/\S+/g)].map((m) => m[0]);
    expect(inText, `case links in the text of the ${template} email`).toHaveLength(1);
    expect(text).toContain(`Open the case: ${inText[0]}`);
    const html = typeof mail.parsed.html === 'string' ? mail.parsed.html : '';
    const inHtml = load(html)('a[href*="/cases/"]').map((_, a) => a.attribs.href).get();
    expect(inHtml).toEqual(inText);
    // The configured public address of the staff app, and this case.
    expect(inText[0]).toBe(`${baseUrl}/cases/${c.id}`);
    return inText[0]!;
  }

  /** Opens `link` signed out, is sent to sign in, signs in as `email` through the form and returns where that lands. */
  async function followSignedOut(app: TestApp, link: string, email: string) {
    const path = new URL(link).pathname;
    const browser = staffBrowser(app);
    const first = await browser.get(path);
    expect(first.status).toBe(303);
    const signIn = new URL(first.location!, app.baseUrl);
    expect(signIn.pathname).toBe('/sign-in');
    expect(signIn.searchParams.get('returnTo')).toBe(path);
    expect([...signIn.searchParams.keys()]).toEqual(['returnTo']);

    const form = await browser.follow(first);
    expect(form.status).toBe(200);
    const hidden = browser.hiddenOf(form, '/sign-in');
    expect(hidden.returnTo).toBe(path);
    const signedIn = await browser.post('/sign-in', { ...hidden, email, password });
    expect(signedIn.status, signedIn.$('h1').text()).toBe(303);
    expect(signedIn.location).toBe(path);
    return browser.follow(signedIn);
  }

  it("takes a signed-out facilitator from the allocation email, through sign-in, to the case's page", async () => {
    const { app, staff } = env;
    const c = await newCase(app, staff);
    const { reference } = await c.get(staff.facilitator.token);
    const link = await caseLinkIn(app, c, 'allocation', 'facilitators', staff.facilitator.email);

    const page = await followSignedOut(app, link, staff.facilitator.email);
    expect(page.status).toBe(200);
    expect(page.$('h1').text()).toContain(reference);
  });

  it("takes a signed-out supervisor from an approval request to the case's page", async () => {
    const { app, staff } = env;
    const c = await newCase(app, staff);
    await consentBoth(c, staff.facilitator.token);
    await c.ok(staff.facilitator.token, { type: 'SUBMIT_RISK_ASSESSMENT', level: 'high', factors: { safety: 'threats made' }, directContactAllowed: false });
    const { reference } = await c.get(staff.supervisor.token);
    const link = await caseLinkIn(app, c, 'approval_requested', 'supervisors', staff.supervisor2.email);

    const page = await followSignedOut(app, link, staff.supervisor2.email);
    expect(page.status).toBe(200);
    expect(page.$('h1').text()).toContain(reference);
  });
});
