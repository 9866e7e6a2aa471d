import { describe, expect, it } from 'vitest';
import { listCapturedMail } from '../../src/mail/mailCapture.js';
import { caseClient } from '../api/apiSteps.js';
import { addStaff, openCase, startApp, tempDir, testClock } from '../support/harness.js';

/** Emails as the outbox writes them (captured, no SMTP_URL): what each says comes from the notice's rows, not a hand-made model. */
describe('composing a notice from its rows', () => {
  it('tells the party, in London time, the date their links stop working; staff get the case page\'s link and no public contact footer', async () => {
    // 23:30 UTC in British Summer Time is already the next day in London, so a UTC date would be a day early.
    const tmp = tempDir();
    const app = await startApp(`${tmp.dir}/rj.sqlite`, testClock('2027-04-20T23:30:00Z'));
    try {
      const staff = await addStaff(app.services);
      const c = caseClient(app, await openCase(app, staff));
      const { store, outbox, config } = app.services;
      await c.ok(staff.facilitator.token, { type: 'INVITE_VICTIM' });
      await c.ok(staff.facilitator.token, { type: 'VICTIM_RESPONDED', response: 'yes' });
      await outbox.deliverDue();
      const notices = await store.notices(c.id);
      const captured = listCapturedMail(config.mailDir);
      const composed = async (template: string, recipient: string) => {
        const notice = notices.find((n) => n.template === template && n.recipient === recipient)!;
        return captured.find((m) => m.messageId === `<notice-${notice.id}@localhost>`)!;
      };

      const invitation = await composed('victim_invitation', 'victim');
      const [link] = await store.linksForNotice(notices.find((n) => n.template === 'victim_invitation')!.id);
      expect(link!.expiresAt).toBe('2027-05-11T23:30:00.000Z'); // INVITATION_EXPIRES_AFTER, P21D
      expect(invitation.text).toContain('This link will stop working on Wednesday 12 May 2027.');
      expect(invitation.html).toContain('This link will stop working on Wednesday 12 May 2027.');
      // The thank-you carries a withdrawal link, and says when it stops too.
      const thanks = await composed('thank_you', 'victim');
      expect(thanks.text).toContain('This withdrawal link will stop working on Wednesday 12 May 2027.');
      for (const party of [invitation, thanks]) expect(party.text).toContain(`Contact ${config.service.name}:\nPhone: ${config.service.phone}`);
      // The case page is for staff: no party email links to it.
      for (const party of [invitation, thanks]) for (const part of [party.text, party.html]) expect(part).not.toContain('/cases/');

      // Every staff email links to the case page at the configured address.
      const caseLink = `${config.baseUrl}/cases/${c.id}`;
      for (const staffMail of [await composed('allocation', 'facilitators'), await composed('party_responded', 'facilitators')]) {
        for (const part of [staffMail.text, staffMail.html]) {
          expect(part).not.toContain(config.service.phone);
          expect(part).not.toContain(`Contact ${config.service.name}`);
          expect(part).toContain(`Case reference: ${(await c.get(staff.supervisor.token)).reference}`);
        }
        expect(staffMail.text).toContain(`Open the case: ${caseLink}\n`);
        expect(staffMail.html).toContain(`Open the case: <a style="color:#1d70b8;text-decoration:underline;" href="${caseLink}">${caseLink}</a>`);
      }
    } finally {
      await app.stop();
      tmp.remove();
    }
  });
});
