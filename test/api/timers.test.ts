import { describe, expect, it } from 'vitest';
import { days, openCase, withApp } from '../support/harness.js';
import { caseClient, lowRisk, prepareBoth, types, victimTrack } from './apiSteps.js';

const minute = 60_000;

describe('clock-driven events: re-offer, invitation reminder and expiry', () => {
  const env = withApp();

  const sweep = () => env.app.services.scheduler.sweep();

  it('not now with a re-offer date: the case waits, REOFFER_DUE fires from the clock, the victim is invited again and the case closes', async () => {
    env.app.clock.set('2026-11-23T09:00:00Z');
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    const f = env.staff.facilitator.token;
    const s = env.staff.supervisor.token;

    await c.ok(f, { type: 'INVITE_VICTIM' });
    const notNow = await c.ok(f, { type: 'VICTIM_RESPONDED', response: 'not_now', reofferAfter: '2027-01-15' });
    expect(victimTrack(notNow)).toBe('notNow');
    expect(notNow.victimPreferences.reofferAfter).toBe('2027-01-15');
    expect(notNow.allowedEvents).not.toContain('INVITE_VICTIM');
    await c.refused(f, { type: 'INVITE_VICTIM' }, 409);
    // Nobody but the clock can send the re-offer.
    await c.refused(s, { type: 'REOFFER_DUE' }, 403);
    const offender = await c.ok(f, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' });
    expect(offender.stage).toBe('consent');

    // The old invitation's reminder (P7D) and expiry (P21D) were cancelled by the answer; the re-offer is not due yet.
    env.app.clock.set('2027-01-14T23:59:00Z');
    expect(await sweep()).toBe(0);
    expect(victimTrack(await c.get(f))).toBe('notNow');
    expect(types(await c.history(s))).not.toContain('INVITATION_REMINDER_DUE');

    env.app.clock.set('2027-01-15T00:01:00Z');
    expect(await sweep()).toBe(1);
    const reoffered = await c.get(f);
    expect(victimTrack(reoffered)).toBe('notContacted');
    expect(reoffered.allowedEvents).toContain('INVITE_VICTIM');
    const h = await c.history(s);
    const due = h.events.filter((e) => e.type === 'REOFFER_DUE');
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({
      actor: { kind: 'system', role: 'system' },
      from: 'open.consent.victim.notNow+open.consent.offender.consented',
      to: 'open.consent.victim.notContacted+open.consent.offender.consented',
    });
    expect(h.notices.some((n) => n.template === 'reoffer_due' && n.to === 'facilitators' && n.seq === due[0]!.seq)).toBe(true);
    // A timer fires once.
    env.app.clock.advance(days(1));
    expect(await sweep()).toBe(0);

    await c.ok(f, { type: 'INVITE_VICTIM' });
    const yes = await c.ok(f, { type: 'VICTIM_RESPONDED', response: 'yes', preferredProcess: 'shuttle' });
    expect(yes.stage).toBe('riskAssessment');
    await lowRisk(c, f);
    await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'shuttle' });
    await prepareBoth(c, f);
    await c.ok(f, { type: 'START_INDIRECT_EXCHANGE' });
    await c.ok(f, { type: 'RECORD_INDIRECT_EXCHANGE', summary: 'messages exchanged' });
    await c.ok(f, { type: 'COMPLETE_INDIRECT' });
    await c.ok(f, { type: 'REQUEST_CLOSURE', reason: 'completed_indirect' });
    const closed = await c.ok(s, { type: 'APPROVE_CLOSURE' });
    expect(closed).toMatchObject({ stage: 'closed', closureReason: 'completed_indirect' });

    // The second invitation's timers were cancelled by the yes and by closure: nothing more fires.
    env.app.clock.advance(days(30));
    expect(await sweep()).toBe(0);
    expect(types(await c.history(s))).toEqual([
      'REFERRAL_RECEIVED', 'ACCEPT_REFERRAL', 'INVITE_VICTIM', 'VICTIM_RESPONDED', 'RECORD_OFFENDER_RESPONSE', 'REOFFER_DUE',
      'INVITE_VICTIM', 'VICTIM_RESPONDED', 'SUBMIT_RISK_ASSESSMENT', 'CHOOSE_PROCESS', 'RECORD_PREPARATION', 'RECORD_PREPARATION',
      'START_INDIRECT_EXCHANGE', 'RECORD_INDIRECT_EXCHANGE', 'COMPLETE_INDIRECT', 'REQUEST_CLOSURE', 'APPROVE_CLOSURE',
    ]);
  });

  it('not now without a date re-offers after the default P90D', async () => {
    env.app.clock.set('2026-11-23T09:00:00Z');
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    const f = env.staff.facilitator.token;
    await c.ok(f, { type: 'VICTIM_RESPONDED', response: 'not_now' });
    env.app.clock.advance(days(90) - minute);
    expect(await sweep()).toBe(0);
    env.app.clock.advance(2 * minute);
    expect(await sweep()).toBe(1);
    expect(victimTrack(await c.get(f))).toBe('notContacted');
  });

  it('an unanswered invitation gets a reminder after P7D and expires after P21D', async () => {
    env.app.clock.set('2026-11-23T09:00:00Z');
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    const f = env.staff.facilitator.token;
    await c.ok(f, { type: 'INVITE_VICTIM' });

    env.app.clock.advance(days(7) - minute);
    expect(await sweep()).toBe(0);
    env.app.clock.advance(2 * minute);
    expect(await sweep()).toBe(1);
    let h = await c.history(f);
    const reminder = h.events.find((e) => e.type === 'INVITATION_REMINDER_DUE');
    expect(reminder).toMatchObject({ actor: { kind: 'system', role: 'system' }, from: 'open.consent.victim.invited+open.consent.offender.notContacted', to: 'open.consent.victim.invited+open.consent.offender.notContacted' });
    expect(h.notices.filter((n) => n.template === 'invitation_reminder').map((n) => [n.to, n.status, n.seq])).toEqual([['victim', 'queued', reminder!.seq]]);
    expect(victimTrack(await c.get(f))).toBe('invited');

    env.app.clock.set('2026-12-14T08:59:00Z');
    expect(await sweep()).toBe(0);
    env.app.clock.set('2026-12-14T09:00:00Z');
    expect(await sweep()).toBe(1);
    const expired = await c.get(f);
    expect(victimTrack(expired)).toBe('noResponse');
    expect(expired.allowedEvents).toContain('INVITE_VICTIM');
    h = await c.history(f);
    expect(types(h)).toEqual(['REFERRAL_RECEIVED', 'ACCEPT_REFERRAL', 'INVITE_VICTIM', 'INVITATION_REMINDER_DUE', 'INVITATION_EXPIRED']);
    expect(h.events.at(-1)).toMatchObject({ actor: { kind: 'system' }, to: 'open.consent.victim.noResponse+open.consent.offender.notContacted' });
    expect(h.notices.some((n) => n.template === 'party_responded' && n.to === 'facilitators' && n.seq === h.events.at(-1)!.seq)).toBe(true);

    // Invited again: a new pair of timers; an answer before the reminder cancels both.
    await c.ok(f, { type: 'INVITE_VICTIM' });
    await c.ok(f, { type: 'VICTIM_RESPONDED', response: 'more_info' });
    env.app.clock.advance(days(30));
    expect(await sweep()).toBe(0);
    expect(victimTrack(await c.get(f))).toBe('moreInfo');
  });

  it('timers of one case that fall due together fire in due order in one sweep, alongside other cases', async () => {
    env.app.clock.set('2026-11-23T09:00:00Z');
    const f = env.staff.facilitator.token;
    const cases = await Promise.all([1, 2, 3].map(async () => caseClient(env.app, await openCase(env.app, env.staff))));
    for (const c of cases) await c.ok(f, { type: 'INVITE_VICTIM' });

    // Down past both the reminder (P7D) and the expiry (P21D): the first sweep fires all six.
    env.app.clock.advance(days(22));
    expect(await sweep()).toBe(6);
    for (const c of cases) {
      const h = await c.history(f);
      expect(types(h).slice(-2)).toEqual(['INVITATION_REMINDER_DUE', 'INVITATION_EXPIRED']);
      expect(victimTrack(await c.get(f))).toBe('noResponse');
    }
    expect(await sweep()).toBe(0);
  });

  it('a pause with an end date resumes from the clock, and the invitation still expires after the pause', async () => {
    env.app.clock.set('2026-11-23T09:00:00Z');
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    const f = env.staff.facilitator.token;
    await c.ok(f, { type: 'INVITE_VICTIM' });
    await c.ok(f, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' });
    const paused = await c.ok(f, { type: 'PAUSE', reason: 'victim in hospital', until: '2026-12-20' });
    expect(paused).toMatchObject({ state: 'paused', paused: true, stage: 'consent' });

    // The invitation's reminder (day 7) and expiry (day 21) fall due during the pause.
    env.app.clock.set('2026-12-19T23:00:00Z');
    await sweep();
    expect((await c.get(f)).state).toBe('paused');
    env.app.clock.set('2026-12-20T00:00:01Z');
    await sweep();
    const resumed = await c.get(f);
    expect(resumed).toMatchObject({ paused: false, state: { open: { consent: { victim: 'invited', offender: 'consented' } } } });
    expect((await c.history(f)).events.at(-1)).toMatchObject({ type: 'RESUME', actor: { kind: 'system' }, from: 'paused' });

    // However long nobody answers after the pause, the invitation must not stay open forever:
    // the deadlines that fell due while paused have to take effect once the case resumes.
    for (let i = 0; i < 6; i++) {
      env.app.clock.advance(days(7));
      await sweep();
    }
    const later = await c.get(f);
    const h = await c.history(f);
    const afterResume = types(h).slice(types(h).lastIndexOf('RESUME') + 1);
    expect(
      { victim: victimTrack(later), expiredAfterResume: afterResume.includes('INVITATION_EXPIRED') },
      'the victim is stuck as "invited": INVITATION_EXPIRED was voided during the pause and never rescheduled',
    ).toEqual({ victim: 'noResponse', expiredAfterResume: true });
  });
});
