import { describe, expect, it } from 'vitest';
import { messageIdOf, newCase, scheduleConference, secondOutbox, victim, withMailApp } from './support/mailApp.js';

describe('a party who withdraws gets nothing more', () => {
  const env = withMailApp();
  const supporterEmail = 'sam@example.com';

  it('cancels their queued notices (and their supporters\'), sends only the confirmation, and nothing after', async () => {
    const { app, staff, sink } = env;
    const f = staff.facilitator.token;
    const c = await newCase(app, staff);
    await c.ok(f, { type: 'INVITE_VICTIM' });
    await scheduleConference(c, f);
    const before = sink.received.length;

    await c.ok(f, { type: 'WITHDRAW', party: 'victim', reason: 'changed their mind' });
    await app.services.outbox.deliverDue();
    const notices = await app.services.store.notices(c.id);
    const toVictimSide = notices.filter((n) => n.recipient === 'victim' || n.recipient === 'supporter:s1');
    expect(toVictimSide.filter((n) => n.status !== 'cancelled').map((n) => n.template)).toEqual(['withdrawal_confirmation']);
    expect(toVictimSide.filter((n) => n.status === 'cancelled').map((n) => `${n.template} to ${n.recipient}`).sort()).toEqual([
      'conference_invitation to supporter:s1',
      'conference_invitation to victim',
      'thank_you to victim',
      'victim_invitation to victim',
    ]);
    for (const n of toVictimSide.filter((n) => n.status === 'cancelled')) expect(sink.copies().has(messageIdOf(n.id))).toBe(false);
    const afterWithdrawal = sink.received.slice(before);
    expect(afterWithdrawal.filter((m) => m.envelopeTo.includes(victim.email)).map((m) => m.messageId)).toEqual([
      messageIdOf(toVictimSide.find((n) => n.template === 'withdrawal_confirmation')!.id),
    ]);
    expect(afterWithdrawal.some((m) => m.envelopeTo.includes(supporterEmail))).toBe(false);

    // The closure the withdrawal proposed is signed off: still nothing to the victim.
    const sent = sink.received.length;
    await c.ok(staff.supervisor.token, { type: 'APPROVE_CLOSURE' });
    await app.services.outbox.deliverDue();
    expect(sink.received.slice(sent).some((m) => m.envelopeTo.includes(victim.email) || m.envelopeTo.includes(supporterEmail))).toBe(false);
  });

  it('re-reads a notice just before sending it: one cancelled while its email was being written is not sent', async () => {
    const { app, staff, sink } = env;
    const f = staff.facilitator.token;
    const c = await newCase(app, staff);
    await c.ok(f, { type: 'INVITE_VICTIM' });
    const invitation = (await app.services.store.notices(c.id)).find((n) => n.template === 'victim_invitation')!;

    // The app's own parts over a second connection, with the withdrawal landing while the invitation is composed.
    const { engine } = app.services;
    const outbox = await secondOutbox(app, (compose) => async (notice) => {
      const message = await compose(notice);
      if (notice.id === invitation.id) {
        const withdrawn = await engine.submit({ caseId: c.id, body: { type: 'WITHDRAW', party: 'victim' }, caller: { kind: 'party', caseId: c.id, role: 'victim' } });
        expect(withdrawn.kind).toBe('ok');
      }
      return message;
    });
    try {
      await outbox.deliverDue();
    } finally {
      await outbox.stop();
    }
    const notices = await app.services.store.notices(c.id);
    expect(notices.find((n) => n.id === invitation.id)).toMatchObject({ status: 'cancelled', attempts: 0 });
    expect(sink.copies().has(messageIdOf(invitation.id))).toBe(false);
    expect(notices.find((n) => n.template === 'withdrawal_confirmation')).toMatchObject({ status: 'sent' });
  });
});
