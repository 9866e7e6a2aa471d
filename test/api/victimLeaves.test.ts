import { describe, expect, it } from 'vitest';
import { days, openCase, withApp } from '../support/harness.js';
import { caseClient, consentBoth, lowRisk, prepareBoth, types, type History } from './apiSteps.js';

const toVictim = (h: History) => h.notices.filter((n) => n.to === 'victim');

describe('the victim leaves the process', () => {
  const env = withApp();

  it('victim declines: the case waits in closing with victim_declined until a supervisor signs it off', async () => {
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    const f = env.staff.facilitator.token;
    const s = env.staff.supervisor.token;

    const invited = await c.ok(f, { type: 'INVITE_VICTIM' });
    expect(invited.state).toEqual({ open: { consent: { victim: 'invited', offender: 'notContacted' } } });

    const declined = await c.ok(f, { type: 'VICTIM_RESPONDED', response: 'no', note: 'said no on the phone' });
    expect(declined).toMatchObject({ state: 'closing', stage: 'consent', status: 'active', closureReason: null });
    expect(declined.pendingClosure).toMatchObject({ reason: 'victim_declined', fromStage: 'consent', requestedBy: { kind: 'user', id: env.staff.facilitator.id } });
    // The facilitator cannot sign off; the supervisor is offered the sign-off.
    expect(declined.allowedEvents).not.toContain('APPROVE_CLOSURE');
    expect((await c.get(s)).allowedEvents).toContain('APPROVE_CLOSURE');
    await c.refused(f, { type: 'APPROVE_CLOSURE' }, 403);
    // Consent-stage events no longer apply.
    await c.refused(f, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' }, 409);
    await c.refused(f, { type: 'INVITE_VICTIM' }, 409);

    const closed = await c.ok(s, { type: 'APPROVE_CLOSURE' });
    expect(closed).toMatchObject({ stage: 'closed', status: 'closed', closureReason: 'victim_declined', allowedEvents: [] });

    // The invitation's reminder and expiry were cancelled: nothing fires later.
    env.app.clock.advance(days(30));
    expect(await env.app.services.scheduler.sweep()).toBe(0);

    const h = await c.history(s);
    expect(types(h)).toEqual(['REFERRAL_RECEIVED', 'ACCEPT_REFERRAL', 'INVITE_VICTIM', 'VICTIM_RESPONDED', 'APPROVE_CLOSURE']);
    expect(h.events[3]).toMatchObject({
      from: 'open.consent.victim.invited+open.consent.offender.notContacted',
      to: 'closing',
      data: { response: 'no' },
      actor: { kind: 'user', id: env.staff.facilitator.id, role: 'facilitator' },
    });
    expect(h.events[4]).toMatchObject({ from: 'closing', to: 'closed', actor: { id: env.staff.supervisor.id } });
    // A "no" gets no thank-you mail; the only victim mail is the invitation.
    expect(toVictim(h).map((n) => n.template)).toEqual(['victim_invitation']);
    expect(h.notices.some((n) => n.template === 'approval_requested' && n.to === 'supervisors')).toBe(true);
  });

  it('victim withdraws after the conference is scheduled: contact stops, the case closes victim_withdrew', async () => {
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    const f = env.staff.facilitator.token;
    const s = env.staff.supervisor.token;

    await consentBoth(c, f);
    await lowRisk(c, f);
    await c.ok(f, { type: 'ADD_SUPPORTER', party: 'victim', name: 'Vic Sister', email: 'sister@example.org' });
    await c.ok(f, { type: 'ADD_SUPPORTER', party: 'offender', name: 'Off Friend', email: 'friend@example.net' });
    await prepareBoth(c, f);
    await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'conference' });
    const scheduled = await c.ok(f, { type: 'SCHEDULE_CONFERENCE', startsAt: '2027-01-10T10:00:00Z', venue: 'Community centre' });
    expect(scheduled).toMatchObject({ stage: 'conference', state: { open: { conference: 'scheduled' } } });

    const before = await c.history(s);
    const queuedToVictim = toVictim(before).filter((n) => n.status === 'queued').map((n) => n.template);
    expect(queuedToVictim).toEqual(expect.arrayContaining(['victim_invitation', 'thank_you', 'conference_invitation']));
    expect(before.notices.filter((n) => n.template === 'conference_invitation').map((n) => n.to).sort()).toEqual([
      'facilitators', 'offender', 'supporter:s1', 'supporter:s2', 'victim',
    ]);

    const withdrawn = await c.ok(f, { type: 'WITHDRAW', party: 'victim', reason: 'no longer wants to take part' });
    expect(withdrawn).toMatchObject({ state: 'closing', stage: 'conference', status: 'active', withdrawn: { victim: true, offender: false } });
    expect(withdrawn.pendingClosure).toMatchObject({ reason: 'victim_withdrew', fromStage: 'conference' });

    const h = await c.history(s);
    const withdrawSeq = h.events.find((e) => e.type === 'WITHDRAW')!.seq;
    // Everything queued earlier for the victim (and the victim's supporter) is cancelled.
    const earlier = h.notices.filter((n) => n.seq < withdrawSeq && (n.to === 'victim' || n.to === 'supporter:s1'));
    expect(earlier.length).toBeGreaterThanOrEqual(4);
    expect(earlier.filter((n) => n.status !== 'cancelled')).toEqual([]);
    // The offender's side is untouched.
    expect(h.notices.find((n) => n.template === 'conference_invitation' && n.to === 'offender')!.status).toBe('queued');
    expect(h.notices.find((n) => n.template === 'conference_invitation' && n.to === 'supporter:s2')!.status).toBe('queued');
    // The confirmation of the withdrawal is the one message the victim still gets.
    expect(toVictim(h).filter((n) => n.seq >= withdrawSeq).map((n) => [n.template, n.status])).toEqual([['withdrawal_confirmation', 'queued']]);

    // A withdrawal is the party's decision: it cannot be returned to the active path.
    const asSupervisor = await c.get(s);
    expect(asSupervisor.allowedEvents).toContain('APPROVE_CLOSURE');
    expect(asSupervisor.allowedEvents).not.toContain('RETURN_CASE');
    const returned = await c.refused(s, { type: 'RETURN_CASE', note: 'please try again' }, 409);
    expect(returned.allowedEvents).toEqual(asSupervisor.allowedEvents);
    await c.refused(f, { type: 'WITHDRAW', party: 'victim' }, 409);
    await c.refused(f, { type: 'RESCHEDULE_CONFERENCE', startsAt: '2027-01-12T10:00:00Z', reason: 'victim asked' }, 409);
    await c.ok(f, { type: 'ADD_NOTE', text: 'victim called to withdraw' });

    const closed = await c.ok(s, { type: 'APPROVE_CLOSURE' });
    expect(closed).toMatchObject({ stage: 'closed', status: 'closed', closureReason: 'victim_withdrew' });
    env.app.clock.advance(days(60));
    await env.app.services.scheduler.sweep();

    const after = await c.history(s);
    expect(types(after)).toEqual([
      'REFERRAL_RECEIVED', 'ACCEPT_REFERRAL', 'INVITE_VICTIM', 'VICTIM_RESPONDED', 'RECORD_OFFENDER_RESPONSE',
      'SUBMIT_RISK_ASSESSMENT', 'ADD_SUPPORTER', 'ADD_SUPPORTER', 'RECORD_PREPARATION', 'RECORD_PREPARATION',
      'CHOOSE_PROCESS', 'SCHEDULE_CONFERENCE', 'WITHDRAW', 'ADD_NOTE', 'APPROVE_CLOSURE',
    ]);
    expect(after.events.find((e) => e.type === 'WITHDRAW')).toMatchObject({ from: 'open.conference.scheduled', to: 'closing', data: { party: 'victim' } });
    // No later notice to the victim or their supporter, and nothing earlier came back to life.
    expect(toVictim(after).filter((n) => n.seq > withdrawSeq)).toEqual([]);
    expect(after.notices.filter((n) => n.seq > withdrawSeq && (n.to === 'victim' || n.to.startsWith('supporter:')))).toEqual([]);
    expect(toVictim(after).filter((n) => n.status === 'queued').map((n) => n.template)).toEqual(['withdrawal_confirmation']);
  });

  it('victim can withdraw while a closure awaits sign-off, and then gets no feedback request', async () => {
    // domain.md rule 1: consent "may be withdrawn at any time" and a withdrawal stops all outgoing contact at once.
    // The case is still active while its closure awaits a supervisor.
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    const f = env.staff.facilitator.token;
    const s = env.staff.supervisor.token;
    await consentBoth(c, f);
    await lowRisk(c, f);
    await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'shuttle' });
    await prepareBoth(c, f);
    await c.ok(f, { type: 'START_INDIRECT_EXCHANGE' });
    await c.ok(f, { type: 'RECORD_INDIRECT_EXCHANGE', summary: 'letter passed on' });
    await c.ok(f, { type: 'COMPLETE_INDIRECT' });
    const closing = await c.ok(f, { type: 'REQUEST_CLOSURE', reason: 'completed_indirect' });
    expect(closing).toMatchObject({ state: 'closing', status: 'active' });

    const withdrawal = await c.send(f, { type: 'WITHDRAW', party: 'victim', reason: 'does not want any more contact' });
    const closed = await c.ok(s, { type: 'APPROVE_CLOSURE' });
    expect(closed.stage).toBe('closed');
    const h = await c.history(s);
    const approveSeq = h.events.at(-1)!.seq;
    // Whatever the API answered, the victim who asked for no more contact must not be sent the closing feedback request.
    expect(toVictim(h).filter((n) => n.seq === approveSeq)).toEqual([]);
    expect(withdrawal.status, JSON.stringify(withdrawal.body)).toBe(200);
  });
});
