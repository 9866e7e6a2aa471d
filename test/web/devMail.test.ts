import { load } from 'cheerio';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { caseClient, consentBoth, looksLikeStackTrace, lowRisk, prepareBoth } from '../api/apiSteps.js';
import { openCase, startApp, tempDir, withApp } from '../support/harness.js';
import { partyClient } from './partySteps.js';

describe('/dev/mail without a mail server', () => {
  const env = withApp();

  it('lists the captured emails, newest first, and shows each one with its links, text and attachments', async () => {
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    const f = env.staff.facilitator.token;
    await consentBoth(c, f);
    const first = await env.app.services.outbox.deliverDue();
    env.app.clock.advance(60 * 60 * 1000);
    await lowRisk(c, f);
    await prepareBoth(c, f);
    await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'conference' });
    await c.ok(f, { type: 'SCHEDULE_CONFERENCE', startsAt: '2026-12-10T10:00:00Z', venue: 'Community centre' });
    const second = await env.app.services.outbox.deliverDue();
    expect([first.sent, second.sent]).toEqual([expect.any(Number), expect.any(Number)]);

    const list = await partyClient(env.app).get('/dev/mail');
    expect(list.status).toBe(200);
    expect(list.$('h1').text()).toBe('Emails sent by the service');
    const rows = list.$('tbody tr').toArray().map((tr) => list.$(tr).find('td').toArray().map((td) => list.$(td).text().trim()));
    expect(rows).toHaveLength(first.sent + second.sent);
    // Newest first: the meeting's emails, sent an hour later, come before the invitation.
    expect(rows[0]![0]).toBe('Monday 23 November 2026 at 10am');
    expect(rows.at(-1)![0]).toBe('Monday 23 November 2026 at 9am');
    const invitationRow = rows.find((r) => r[1] === 'Vera Victim <vera@example.org>' && r[2] === 'Would you like to take part in restorative justice?');
    expect(invitationRow, JSON.stringify(rows)).toBeDefined();

    const messageLinks = list.$('tbody a').toArray().map((a) => list.$(a).attr('href')!);
    const pages = await Promise.all(messageLinks.map((href) => partyClient(env.app).get(href)));
    expect(pages.map((p) => p.status)).toEqual(pages.map(() => 200));
    const toVictim = pages.filter((p) => p.$('.govuk-summary-list').text().includes('vera@example.org'));
    const invitation = toVictim.find((p) => p.$('h1').text() === invitationRow![2])!;
    const meeting = toVictim.find((p) => p.$('h1').text().startsWith('Your restorative justice meeting'))!;
    expect(invitation.$('pre').text()).toContain('/respond/');
    expect(invitation.$('.govuk-summary-list').text()).toContain('None');
    // The meeting invitation carries its calendar file.
    expect(meeting.$('.govuk-summary-list').text()).toMatch(/\S+\.ics \(text\/calendar/);

    // The HTML part is shown in a sandboxed frame, its links opening in the whole window.
    const frame = meeting.$('iframe');
    // Nothing in the email may run; same-origin only so the page's own script can size the frame to it.
    expect(frame.attr('sandbox')).toBe('allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation');
    const sizer = meeting.$('script[src="/assets/mailFrame.mjs"]');
    expect([sizer.attr('type'), sizer.text()]).toEqual(['module', '']);
    const script = await fetch(`${env.app.baseUrl}/assets/mailFrame.mjs`);
    expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(frame.attr('title')).toBeTruthy();
    const mail = load(frame.attr('srcdoc')!);
    expect(mail('base').attr('target')).toBe('_top');
    const withdraw = mail('a[href*="/respond/"]').first().attr('href')!;
    expect(withdraw.startsWith(`${env.app.services.config.baseUrl}/respond/`)).toBe(true);
    // The link is one the app opens: the victim can withdraw from here.
    const opened = await partyClient(env.app).get(new URL(withdraw).pathname);
    expect([opened.status, opened.$('h1').text()]).toEqual([200, 'Withdraw from restorative justice']);
  });

  it('an id that is not a captured email is a 404 page', async () => {
    for (const id of ['nothing', '..%2F..%2Fetc%2Fpasswd', '20261123T090000000Z-00000000-0000-0000-0000-000000000000']) {
      const page = await partyClient(env.app).get(`/dev/mail/${id}`);
      expect(page.status).toBe(404);
      expect(page.$('h1').text()).toBe('Page not found');
    }
  });
});

describe('/dev/mail with a damaged capture file', () => {
  it('is the 500 page that reveals nothing, for the list and for that message', async () => {
    const tmp = tempDir();
    const app = await startApp(`${tmp.dir}/rj.sqlite`);
    try {
      const id = '20261123T090000000Z-damaged';
      mkdirSync(app.services.config.mailDir, { recursive: true });
      writeFileSync(join(app.services.config.mailDir, `${id}.json`), '{"subject": "cut off half-wa');
      for (const path of ['/dev/mail', `/dev/mail/${id}`]) {
        const page = await partyClient(app).get(path);
        expect(page.status, path).toBe(500);
        expect(page.$('h1').text().trim(), path).toBe('Sorry, there is a problem with the service');
        expect(page.html, path).toContain(app.services.config.service.phone);
        expect(looksLikeStackTrace(page.html), path).toBe(false);
        expect(page.html, path).not.toContain('cut off');
      }
    } finally {
      await app.stop();
      tmp.remove();
    }
  });
});

describe('/dev/mail elsewhere', () => {
  it('does not exist with a mail server, or in production', async () => {
    const smtp = { SMTP_URL: 'smtp://127.0.0.1:2525' };
    const production = {
      ...smtp,
      NODE_ENV: 'production',
      BASE_URL: 'https://rj.example.org',
      MAIL_FROM: 'RJ <rj@example.org>',
      LINK_SECRET: 'x'.repeat(40),
      TOTP_KEY: 'y'.repeat(40),
      SERVICE_PHONE: '0300 000 0000',
      SERVICE_EMAIL: 'rj@example.org',
    };
    for (const env of [smtp, production]) {
      const tmp = tempDir();
      const app = await startApp(`${tmp.dir}/rj.sqlite`, undefined, env);
      try {
        const page = await partyClient(app).get('/dev/mail');
        expect(page.status).toBe(404);
        expect(page.$('h1').text()).toBe('Page not found');
      } finally {
        await app.stop();
        tmp.remove();
      }
    }
  });
});
