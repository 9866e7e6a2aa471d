import { describe, expect, it } from 'vitest';
import { lowRisk, prepareBoth, type CaseClient } from '../api/apiSteps.js';
import { days } from '../support/harness.js';
import { newCase, offender, scheduleConference, victim, withMailApp } from './support/mailApp.js';

/**
 * Each consent withdrawn stops exactly the contact it names, over real SMTP: the
 * emails the sink receives, and the notices and links the database holds.
 */
describe('consent withdrawn per purpose, and the email that follows', () => {
  const env = withMailApp();
  const supporterEmail = 'sam@example.com';
  const consent = (c: CaseClient, party: 'victim' | 'offender', change: Record<string, string[]>) =>
    c.ok(env.staff.facilitator.token, { type: 'RECORD_CONSENT', party, ...change, channel: 'phone' });
  /** What the sink received from now on, per recipient address, as each message's notice template. */
  const mailFrom = (start: number) => {
    const to = (address: string) => env.sink.received.slice(start).filter((m) => m.envelopeTo.includes(address)).map((m) => m.parsed.subject ?? '');
    return { victim: to(victim.email), offender: to(offender.email), supporter: to(supporterEmail) };
  };
  const noticesTo = async (c: CaseClient, recipient: string) => (await env.app.services.store.notices(c.id)).filter((n) => n.recipient === recipient);

  it('email contact withdrawn: the queued invitation is cancelled, its link stops working, and nothing more is emailed to that party; everyone else still gets theirs', async () => {
    const { app, staff, sink } = env;
    const f = staff.facilitator.token;
    const c = await newCase(app, staff);
    await c.ok(f, { type: 'INVITE_VICTIM' });
    const [invitation] = await noticesTo(c, 'victim');
    const [link] = await app.services.store.linksForNotice(invitation!.id);
    const opened = () => fetch(`${app.baseUrl}/respond/${app.services.linkTokens.tokenFor(link!.id)}`).then((r) => r.status);
    expect(await opened()).toBe(200);

    await consent(c, 'victim', { withdrawn: ['emailContact'] });
    expect(await noticesTo(c, 'victim')).toMatchObject([{ id: invitation!.id, status: 'cancelled' }]);
    // A link in a mailbox they asked us not to use works no more: staff record their answers instead.
    expect(await opened()).toBe(404);

    const start = sink.received.length;
    await scheduleConference(c, f);
    await app.services.outbox.deliverDue();
    // No email to the victim at all, and none queued for them; the offender, the victim's supporter and staff get theirs.
    expect(mailFrom(start).victim).toEqual([]);
    expect((await noticesTo(c, 'victim')).map((n) => n.status)).toEqual(['cancelled']);
    expect((await noticesTo(c, 'offender')).map((n) => [n.template, n.status])).toEqual([['conference_invitation', 'sent']]);
    expect(mailFrom(start).offender).toHaveLength(1);
    expect(mailFrom(start).supporter).toHaveLength(1);
    const view = await c.get(f);
    expect(view.consent).toEqual({ victim: { participation: 'given', emailContact: 'withdrawn' }, offender: { participation: 'given' } });

    // Given again, email to the victim starts again with the next notice.
    await consent(c, 'victim', { given: ['emailContact'] });
    const again = sink.received.length;
    await c.ok(f, { type: 'RESCHEDULE_CONFERENCE', startsAt: '2026-12-08T10:00:00Z', reason: 'The venue is closed' });
    await app.services.outbox.deliverDue();
    expect(mailFrom(again).victim).toHaveLength(1);
    expect((await noticesTo(c, 'victim')).map((n) => [n.template, n.status])).toEqual([
      ['victim_invitation', 'cancelled'],
      ['conference_rescheduled', 'sent'],
    ]);
  });

  it('participation withdrawn: all contact stops at once, as a withdrawal, and the closure is proposed', async () => {
    const { app, staff, sink } = env;
    const f = staff.facilitator.token;
    const c = await newCase(app, staff);
    await c.ok(f, { type: 'INVITE_VICTIM' });
    await scheduleConference(c, f);
    const start = sink.received.length;

    const closing = await consent(c, 'victim', { withdrawn: ['participation'] });
    expect(closing).toMatchObject({ state: 'closing', withdrawn: { victim: true, offender: false }, pendingClosure: { reason: 'victim_withdrew' } });
    await app.services.outbox.deliverDue();
    const victimSide = [...(await noticesTo(c, 'victim')), ...(await noticesTo(c, 'supporter:s1'))];
    expect(victimSide.filter((n) => n.status !== 'cancelled').map((n) => n.template)).toEqual(['withdrawal_confirmation']);
    // Their side hears nothing more but the confirmation (the offender's invitation, queued before, is the other party's contact).
    expect(mailFrom(start)).toMatchObject({ victim: ['You have withdrawn from restorative justice'], supporter: [] });
    expect((await app.services.store.notices(c.id)).filter((n) => n.recipient === 'supervisors').map((n) => n.template)).toContain('approval_requested');

    const signedOff = sink.received.length;
    await c.ok(staff.supervisor.token, { type: 'APPROVE_CLOSURE' });
    await app.services.outbox.deliverDue();
    expect(mailFrom(signedOff).victim).toEqual([]);
  });

  it('feedback withdrawn: that party is not asked for feedback, after the exchange or at closure; the other party is', async () => {
    const { app, staff } = env;
    const f = staff.facilitator.token;
    const c = await newCase(app, staff);
    await c.ok(f, { type: 'VICTIM_RESPONDED', response: 'yes', informationGiven: { version: 'rj-information-2026-11', how: 'phone' } });
    await c.ok(f, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' });
    await lowRisk(c, f);
    await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'letter' });
    await prepareBoth(c, f);
    await c.ok(f, { type: 'START_INDIRECT_EXCHANGE' });
    await c.ok(f, { type: 'RECORD_INDIRECT_EXCHANGE', summary: 'A letter passed on' });
    await consent(c, 'offender', { withdrawn: ['feedback'] });
    await c.ok(f, { type: 'COMPLETE_INDIRECT' });
    app.clock.advance(days(1));
    await c.ok(f, { type: 'REQUEST_CLOSURE', reason: 'completed_indirect' });
    await c.ok(staff.supervisor.token, { type: 'APPROVE_CLOSURE' });
    await app.services.outbox.deliverDue();

    const feedback = (await app.services.store.notices(c.id)).filter((n) => n.template === 'feedback_request');
    expect(feedback.map((n) => [n.recipient, n.status, n.data.atClosure === true])).toEqual([
      ['victim', 'sent', false],
      ['victim', 'sent', true],
    ]);
  });
});
