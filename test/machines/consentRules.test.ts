import { describe, expect, it } from 'vitest';
import type { Purpose } from '../../machines/case/consent.js';
import type { CaseContextV3 } from '../../machines/case/context.v3.js';
import type { Actor, CaseEvent } from '../../machines/case/events.js';
import { allowedEvents, refusalOf, type CaseSnapshot } from '../../machines/case/index.js';
import { notInThisState } from '../../machines/case/refusals.js';
import { actors, at, event, run, start, step } from './caseFixtures.js';

/** Machine v3's consent per purpose and the correction of a party's details, through the pure stepping the engine uses. */

const { facilitator: f1, supervisor: s1, closureApprover: s2, victim } = actors;
const informed = { informationVersion: 'rj-information-2026-11' };

const accepted = () => run(start(), event('ACCEPT_REFERRAL', { facilitatorIds: ['f1'] }));
const consented = () => run(accepted(), event('INVITE_VICTIM'), event('VICTIM_RESPONDED', { ...informed, response: 'yes' }), event('RECORD_OFFENDER_RESPONSE', { response: 'willing' }));
const inPreparation = () =>
  run(consented(), event('SUBMIT_RISK_ASSESSMENT', { level: 'low', directContactAllowed: true, factors: { safety: 'none' } }), prepare('victim'), prepare('offender'));
const prepare = (party: 'victim' | 'offender') => event('RECORD_PREPARATION', { party, note: 'Met' });
const consent = (party: 'victim' | 'offender', change: { given?: Purpose[]; withdrawn?: Purpose[] }, by: Actor = f1) =>
  event('RECORD_CONSENT', { party, ...change, channel: 'phone' }, by);
const choose = (process: string) => event('CHOOSE_PROCESS', { process });
const schedule = () => event('SCHEDULE_CONFERENCE', { startsAt: '2026-12-01T10:00:00Z', venue: 'Hall' });

const effects = (s: CaseSnapshot, e: CaseEvent) => step(s, e)[1].map(({ type, params }) => ({ type, params }));
const consentIn = (s: CaseSnapshot) => (s.context as CaseContextV3).consent;
const reasons = (s: CaseSnapshot, e: CaseEvent) => {
  const r = refusalOf(s, e);
  return r.kind === 'rules' ? r.reasons : r.issues.map((i) => ({ rule: i.path, message: i.message }));
};

describe('consent per purpose (machine v3)', () => {
  it('a "yes", a willing offender and a withdrawal record consent to take part', () => {
    expect(consentIn(consented())).toEqual({ victim: { participation: 'given' }, offender: { participation: 'given' } });
    expect(consentIn(run(consented(), event('WITHDRAW', { party: 'offender' }, actors.offender))).offender).toEqual({ participation: 'withdrawn' });
  });

  it('withdrawing participation does exactly what WITHDRAW does: contact stops, the closure is proposed, and it stands', () => {
    const before = inPreparation();
    const byConsent = consent('victim', { withdrawn: ['participation'] });
    const byWithdrawal = event('WITHDRAW', { party: 'victim' }, f1);
    const [a, b] = [run(before, byConsent), run(before, byWithdrawal)];
    expect(a.value).toBe('closing');
    expect(a.value).toEqual(b.value);
    expect(a.context).toEqual(b.context);
    expect(a.context.closure).toMatchObject({ reason: 'victim_withdrew', requestedBy: f1, fromStage: 'preparation' });
    expect(effects(before, byConsent)).toEqual(effects(before, byWithdrawal));
    expect(effects(before, byConsent)).toContainEqual({ type: 'stopContact', params: { party: 'victim' } });
    expect(a.can(event('RETURN_CASE', { note: 'Keep going' }, s1))).toBe(false);
  });

  it('a withdrawal stands: consent to take part cannot be given again, though other consent can be recorded', () => {
    const s = run(inPreparation(), consent('victim', { withdrawn: ['participation'] }));
    expect(reasons(s, consent('victim', { given: ['participation'] }))).toEqual([
      {
        rule: 'withdrawalStands',
        message: 'The victim has withdrawn from taking part, and a withdrawal stands: their consent to take part cannot be recorded again on this case.',
      },
    ]);
    expect(reasons(s, consent('victim', { withdrawn: ['participation'] }))).toEqual([{ rule: 'partyHasNotWithdrawn', message: 'The victim has already withdrawn.' }]);
    const recorded = run(s, consent('victim', { withdrawn: ['feedback'] }));
    expect(recorded.value).toBe('closing');
    expect(consentIn(recorded).victim).toEqual({ participation: 'withdrawn', feedback: 'withdrawn' });
    // The offender withdrawing while the closure waits: recorded, and the proposed closure stands.
    const both = run(recorded, consent('offender', { withdrawn: ['participation'] }));
    expect(both.context).toMatchObject({ offender: { withdrawn: true }, closure: { reason: 'victim_withdrew' } });
    expect(run(both, event('APPROVE_CLOSURE', {}, s2)).context.closureReason).toBe('victim_withdrew');
  });

  it('withdrawing a direct meeting rules out a conference, with the chart’s reason; giving it again restores it', () => {
    const s = run(inPreparation(), consent('offender', { withdrawn: ['directMeeting'] }));
    expect(reasons(s, choose('conference'))).toEqual([
      {
        rule: 'directMeetingConsented',
        message: 'The offender withdrew consent to a direct meeting, so a conference cannot be arranged: choose a shuttle or letter exchange, or record their consent to meet again.',
      },
    ]);
    expect(s.can(choose('shuttle'))).toBe(true);
    expect(run(s, consent('offender', { given: ['directMeeting'] })).can(choose('conference'))).toBe(true);
  });

  it('a conference chosen or scheduled before a direct meeting was withdrawn can be neither scheduled nor moved, only cancelled', () => {
    const chosen = run(inPreparation(), choose('conference'));
    const withdrawn = run(chosen, consent('victim', { withdrawn: ['directMeeting'] }));
    expect(reasons(withdrawn, schedule()).map((r) => r.rule)).toEqual(['directMeetingConsented']);
    const scheduled = run(chosen, schedule(), consent('victim', { withdrawn: ['directMeeting'] }));
    const moved = event('RESCHEDULE_CONFERENCE', { startsAt: '2026-12-08T10:00:00Z', reason: 'Illness' });
    expect(reasons(scheduled, moved).map((r) => r.rule)).toEqual(['directMeetingConsented']);
    expect(allowedEvents(scheduled, f1, at)).toContain('CANCEL_CONFERENCE');
    expect(allowedEvents(scheduled, f1, at)).not.toContain('RESCHEDULE_CONFERENCE');
  });

  it('withdrawing email contact stops the email queued for the party once, and the victim can no longer be invited by email', () => {
    const s = accepted();
    const noEmail = consent('victim', { withdrawn: ['emailContact'] });
    expect(effects(s, noEmail)).toEqual([{ type: 'stopEmail', params: { party: 'victim' } }]);
    const after = run(s, noEmail);
    expect(effects(after, noEmail)).toEqual([]);
    expect(reasons(after, event('INVITE_VICTIM'))).toEqual([
      {
        rule: 'victimMayBeEmailed',
        message: 'The victim withdrew consent to email contact, so they cannot be invited by email: give them the information another way and record their answer.',
      },
    ]);
    // Staff record the answer, given another way; the offender's email is another matter.
    expect(after.can(event('VICTIM_RESPONDED', { response: 'yes', informationGiven: { version: 'v1', how: 'phone' } }, f1))).toBe(true);
    expect(run(after, consent('victim', { given: ['emailContact'] })).can(event('INVITE_VICTIM'))).toBe(true);
  });

  it('is recorded while the case is open, paused or waiting for closure, and not at referral or once closed', () => {
    const paused = run(inPreparation(), event('PAUSE', { reason: 'Holiday' }));
    expect(run(paused, consent('victim', { withdrawn: ['phoneContact'] })).value).toBe('paused');
    expect(run(paused, consent('victim', { withdrawn: ['participation'] })).value).toBe('closing');
    expect(reasons(start(), consent('victim', { withdrawn: ['phoneContact'] }))[0]!.rule).toBe(notInThisState);
    expect(allowedEvents(start(), f1, at)).not.toContain('RECORD_CONSENT');
  });
});

describe("correcting a party's details (machine v3)", () => {
  const correction = event('CORRECT_PARTY_DETAILS', { party: 'victim', name: 'Vera Vickers', email: 'vera.v@example.org', reason: 'Married' }, s1);

  it('is the correctParty effect with the full details, and moves nothing, in every state but closed', () => {
    for (const s of [start(), accepted(), inPreparation(), run(inPreparation(), event('PAUSE', { reason: 'Holiday' })), run(inPreparation(), event('WITHDRAW', { party: 'victim' }, victim))]) {
      const [next, actions] = step(s, correction);
      expect(next.value).toEqual(s.value);
      expect(next.context).toEqual(s.context);
      expect(actions.map(({ type, params }) => ({ type, params }))).toEqual([
        { type: 'correctParty', params: { party: 'victim', name: 'Vera Vickers', email: 'vera.v@example.org' } },
      ]);
    }
    const closed = run(start(), event('DECLINE_REFERRAL', { reason: 'duplicate_referral' }, s1));
    expect(reasons(closed, correction)[0]!.rule).toBe(notInThisState);
  });

  it('is offered to supervisors only', () => {
    expect(allowedEvents(accepted(), s1, at)).toContain('CORRECT_PARTY_DETAILS');
    expect(allowedEvents(accepted(), f1, at)).not.toContain('CORRECT_PARTY_DETAILS');
  });
});
