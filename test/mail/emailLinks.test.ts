import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/harness.js';
import { heading, partyClient } from '../web/partySteps.js';
import { baseUrl, mailFor, newCase, victim, withMailApp } from './support/mailApp.js';
import type { SmtpSink } from './support/smtpSink.js';

/**
 * The victim's whole channel, as they live it: the email arrives over SMTP,
 * they follow its link, answer, and later withdraw through a link in a later
 * email. Links are taken from the delivered text part, not from the database.
 */
describe('links in delivered emails', () => {
  const env = withMailApp();

  /** The path of the one link into `/respond/` in the latest delivered notice of `template` to the victim. */
  async function linkIn(app: TestApp, sink: SmtpSink, caseId: string, template: string): Promise<string> {
    const notice = (await app.services.store.notices(caseId)).filter((n) => n.template === template && n.recipient === 'victim').at(-1)!;
    const text = mailFor(sink, notice.id).parsed.text ?? '';
    const links = [...text.matchAll(/https?:\/\/\S+\/respond\/[A-Za-z0-9_-]+/g)].map((m) => m[0]);
    expect(links, `links in the ${template} email`).toHaveLength(1);
    expect(links[0]!.startsWith(`${baseUrl}/respond/`)).toBe(true);
    return new URL(links[0]!).pathname;
  }

  it('an invitation is answered through its link, and a later email withdraws in two steps', async () => {
    const { app, staff, sink } = env;
    const c = await newCase(app, staff);
    await c.ok(staff.facilitator.token, { type: 'INVITE_VICTIM' });
    await app.services.outbox.deliverDue();

    const party = partyClient(app);
    const start = await party.get(await linkIn(app, sink, c.id, 'victim_invitation'));
    expect(start.status).toBe(200);
    const form = await party.submit(start);
    const done = await party.submit(form, { response: 'yes', preferredProcess: 'conference', safeContact: 'Weekday evenings, by phone' });
    expect(done.status, heading(done)).toBe(200);

    const answered = await c.get(staff.facilitator.token);
    expect(answered.state.open.consent.victim).toBe('consented');
    expect(answered.victimPreferences.preferredProcess).toBe('conference');

    await app.services.outbox.deliverDue();
    const withdrawStart = await party.get(await linkIn(app, sink, c.id, 'thank_you'));
    const confirm = await party.submit(withdrawStart);
    expect((await c.get(staff.facilitator.token)).withdrawn.victim).toBe(false); // the first step changes nothing
    const withdrawn = await party.submit(confirm, { reason: 'I have changed my mind' });
    expect(withdrawn.status, heading(withdrawn)).toBe(200);
    expect((await c.get(staff.facilitator.token)).withdrawn.victim).toBe(true);

    // From now on the victim hears only the confirmation, whatever the case goes through.
    await c.ok(staff.facilitator.token, { type: 'ADD_NOTE', text: 'Victim withdrew through the link.' });
    await app.services.outbox.deliverDue();
    const toVictim = sink.received.filter((m) => m.envelopeTo.includes(victim.email)).map((m) => m.parsed.subject);
    const sentToVictim = (await app.services.store.notices(c.id)).filter((n) => n.recipient === 'victim' && n.status === 'sent').map((n) => n.template);
    expect(sentToVictim.sort()).toEqual(['thank_you', 'victim_invitation', 'withdrawal_confirmation']);
    expect(toVictim).toHaveLength(3);
  });
});
