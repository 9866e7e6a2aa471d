import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseClient } from '../api/apiSteps.js';
import { addStaff, openCase, startApp, tempDir, type Staff, type TestApp } from '../support/harness.js';
import { listCapturedMail, readCapturedMail } from '../../src/mail/mailCapture.js';
import { referral, scheduleConference, victim } from './support/mailApp.js';

describe('without SMTP_URL, mail is captured as files for reading locally', () => {
  const tmp = tempDir();
  let app: TestApp;
  let staff: Staff;
  beforeAll(async () => {
    app = await startApp(join(tmp.dir, 'rj.sqlite'));
    staff = await addStaff(app.services);
  });
  afterAll(async () => {
    await app.stop();
    tmp.remove();
  });

  it('writes each delivered notice into MAIL_DIR as one JSON file, listed newest first', async () => {
    const mailDir = app.services.config.mailDir;
    expect(mailDir).toBe(join(tmp.dir, 'mail'));
    const c = caseClient(app, await openCase(app, staff, referral()));
    expect(await app.services.outbox.deliverDue()).toEqual({ sent: 1, retried: 0, failed: 0 });
    app.clock.advance(1000);
    await c.ok(staff.facilitator.token, { type: 'INVITE_VICTIM' });
    expect(await app.services.outbox.deliverDue()).toEqual({ sent: 1, retried: 0, failed: 0 });

    const notices = await app.services.store.notices(c.id);
    const [invitation, allocation] = listCapturedMail(mailDir);
    expect(invitation).toMatchObject({
      messageId: `<notice-${notices.find((n) => n.template === 'victim_invitation')!.id}@localhost>`,
      from: 'RJ Service <rj-service@localhost>',
      to: `${victim.name} <${victim.email}>`,
      date: app.clock().toISOString(),
      attachments: [],
    });
    expect(invitation!.text).toMatch(/http:\/\/localhost:3000\/respond\/[A-Za-z0-9_-]{43}/);
    expect(invitation!.html).toContain('<html');
    expect(allocation!.messageId).toBe(`<notice-${notices.find((n) => n.template === 'allocation')!.id}@localhost>`);
    expect(readCapturedMail(mailDir, invitation!.id)).toEqual(invitation);

    const files = readdirSync(mailDir);
    expect(files.sort()).toEqual([`${allocation!.id}.json`, `${invitation!.id}.json`]);
    expect(statSync(join(mailDir, files[0]!)).mode & 0o777).toBe(0o600);
    expect(await app.services.store.notices(c.id)).toEqual(expect.arrayContaining([expect.objectContaining({ template: 'victim_invitation', status: 'sent' })]));
  });

  it('keeps the conference calendar as an attachment', async () => {
    const c = caseClient(app, await openCase(app, staff, referral()));
    await c.ok(staff.facilitator.token, { type: 'INVITE_VICTIM' });
    await scheduleConference(c, staff.facilitator.token);
    await app.services.outbox.deliverDue();
    const toVictim = (await app.services.store.notices(c.id)).find((n) => n.template === 'conference_invitation' && n.recipient === 'victim')!;
    const mail = listCapturedMail(app.services.config.mailDir).find((m) => m.messageId === `<notice-${toVictim.id}@localhost>`)!;
    expect(mail.attachments).toEqual([{ filename: 'invite.ics', contentType: 'text/calendar; method=REQUEST', content: expect.stringContaining('METHOD:REQUEST') }]);
  });

  it('reads only exact capture ids: no paths, no traversal', () => {
    const mailDir = app.services.config.mailDir;
    const [newest] = listCapturedMail(mailDir);
    for (const id of ['../rj', '..%2Frj', `../mail/${newest!.id}`, `${newest!.id}/../x`, `/etc/passwd`, `${newest!.id}.json`, '', 'x'.repeat(300)]) {
      expect(readCapturedMail(mailDir, id), id).toBeUndefined();
    }
    expect(readCapturedMail(mailDir, newest!.id)).toEqual(newest);
  });

  it('lists nothing for a folder that does not exist yet', () => {
    expect(existsSync(join(tmp.dir, 'nowhere'))).toBe(false);
    expect(listCapturedMail(join(tmp.dir, 'nowhere'))).toEqual([]);
  });
});
