import { describe, expect, it } from 'vitest';
import { sensitiveFlags, type Flags } from '../../machines/case/context.js';
import type { Actor, CaseEvent, EventType } from '../../machines/case/events.js';
import { allowedEvents, type CaseSnapshot } from '../../machines/case/index.js';
import { eventSenders } from '../../machines/case/permissions.js';
import { actors, at, event, run, start, step } from './caseFixtures.js';

/** The named rules of domain.md, one scenario each, through the pure stepping the engine uses. */

const { facilitator: f1, supervisor: s1, closureApprover: s2, victim, offender, system } = actors;
const s3: Actor = { kind: 'user', id: 's3', role: 'supervisor' };

const accepted = (flags: Flags = {}, facilitatorIds = ['f1']) => run(start(flags), event('ACCEPT_REFERRAL', { facilitatorIds }));
const consented = (flags: Flags = {}) =>
  run(
    accepted(flags),
    event('INVITE_VICTIM'),
    event('VICTIM_RESPONDED', { informationVersion: 'rj-information-2026-11', response: 'yes' }),
    event('RECORD_OFFENDER_RESPONSE', { response: 'willing' }),
  );
const assessment = (level: 'low' | 'medium' | 'high', directContactAllowed: boolean, assessor: Actor = f1) =>
  event('SUBMIT_RISK_ASSESSMENT', { level, directContactAllowed, factors: { safety: 'assessed' } }, assessor);
/** Low risk, direct contact allowed, no flags: straight to preparation. */
const inPreparation = () => run(consented(), assessment('low', true));
const prepare = (party: 'victim' | 'offender') => event('RECORD_PREPARATION', { party, note: 'Met' });
const choose = (process: 'conference' | 'shuttle' | 'letter') => event('CHOOSE_PROCESS', { process });
const schedule = () => event('SCHEDULE_CONFERENCE', { startsAt: '2026-12-01T10:00:00Z', venue: 'Community centre' });
const requestClosure = (reason: string, actor: Actor = f1) => event('REQUEST_CLOSURE', { reason }, actor);
const approveClosure = (actor: Actor = s2) => event('APPROVE_CLOSURE', {}, actor);
const returnCase = () => event('RETURN_CASE', { note: 'Keep going' });
const withdraw = (party: 'victim' | 'offender', actor: Actor) => event('WITHDRAW', { party }, actor);

type Effect = { type: string; params?: unknown };
const effectsOf = (snapshot: CaseSnapshot, e: CaseEvent): Effect[] => step(snapshot, e)[1].map(({ type, params }) => ({ type, params }));
const notices = (effects: Effect[]) => effects.filter((a) => a.type === 'notify').map((a) => a.params);
/** Everything that must survive a pause or a returned closure (the pause itself aside). */
const stateOf = (s: CaseSnapshot) => ({ value: s.value, context: { ...s.context, pause: null } });

describe('responsibility (RJC Code item B)', () => {
  it('an offender who denies responsibility ends in a proposed closure, offender_denies_responsibility', () => {
    const before = accepted();
    const denies = event('RECORD_OFFENDER_RESPONSE', { response: 'denies_responsibility' });
    const s = run(before, denies);
    expect(s.value).toBe('closing');
    expect(s.context.closure).toMatchObject({ reason: 'offender_denies_responsibility', fromStage: 'consent' });
    expect(notices(effectsOf(before, denies))).toContainEqual({
      template: 'approval_requested',
      to: ['supervisors'],
      data: { kind: 'closure', reason: 'offender_denies_responsibility' },
    });
    const closed = run(s, approveClosure());
    expect(closed.status).toBe('done');
    expect(closed.context.closureReason).toBe('offender_denies_responsibility');
  });

  it.each([
    ['willing', { open: { consent: { victim: 'notContacted', offender: 'consented' } } }, null],
    ['declined', 'closing', 'offender_declined'],
    ['unreachable', { open: { consent: { victim: 'notContacted', offender: 'unreachable' } } }, null],
  ] as const)('an offender who is %s goes to %j', (response, value, reason) => {
    const s = run(accepted(), event('RECORD_OFFENDER_RESPONSE', { response }));
    expect(s.value).toEqual(value);
    expect(s.context.closure?.reason ?? null).toBe(reason);
  });

  it('the case does not reach risk assessment until the offender is willing', () => {
    let s = run(accepted(), event('VICTIM_RESPONDED', { informationVersion: 'rj-information-2026-11', response: 'yes' }), event('RECORD_OFFENDER_RESPONSE', { response: 'unreachable' }));
    expect(s.context.stage).toBe('consent');
    s = run(s, event('RECORD_OFFENDER_RESPONSE', { response: 'willing' }));
    expect(s.value).toEqual({ open: { riskAssessment: 'assessing' } });
  });
});

describe('a conference only when direct contact is allowed', () => {
  it('is refused after a high-risk assessment, approved for indirect contact only', () => {
    const s = run(consented(), assessment('high', false), event('APPROVE_RISK', {}, s1));
    expect(s.value).toEqual({ open: 'preparation' });
    expect(s.can(choose('conference'))).toBe(false);
    expect(s.can(choose('shuttle'))).toBe(true);
    expect(s.can(choose('letter'))).toBe(true);
  });

  it('is refused after REJECT_RISK indirect_only, even for an assessment that allowed direct contact', () => {
    const s = run(consented({ stalking: true }), assessment('low', true), event('REJECT_RISK', { decision: 'indirect_only', note: 'Stalking' }, s1));
    expect(s.value).toEqual({ open: 'preparation' });
    expect(s.context.risk).toMatchObject({ directContactAllowed: false, approvedBy: 's1' });
    expect(s.can(choose('conference'))).toBe(false);
  });

  it('REJECT_RISK indirect_only after a revision drops a conference chosen earlier, so none can be scheduled', () => {
    const revised = run(inPreparation(), choose('conference'), event('REVISE_RISK', { reason: 'Threats reported' }), assessment('high', false));
    const s = run(revised, event('REJECT_RISK', { decision: 'indirect_only', note: 'Threats' }, s1), prepare('victim'), prepare('offender'));
    expect(s.context.process).toBeNull();
    expect(s.can(schedule())).toBe(false);
  });

  it('is allowed after a low-risk assessment that allows direct contact', () => {
    const s = run(inPreparation(), choose('conference'), prepare('victim'), prepare('offender'), schedule());
    expect(s.value).toEqual({ open: { conference: 'scheduled' } });
  });

  it('REJECT_RISK close closes the case as risk_too_high', () => {
    const s = run(consented(), assessment('high', false), event('REJECT_RISK', { decision: 'close', note: 'Unsafe' }, s1));
    expect(s.status).toBe('done');
    expect(s.context.closureReason).toBe('risk_too_high');
  });
});

describe('both parties are prepared before the meeting', () => {
  it.each([
    ['SCHEDULE_CONFERENCE', 'conference', schedule],
    ['START_INDIRECT_EXCHANGE', 'letter', () => event('START_INDIRECT_EXCHANGE')],
  ] as const)('%s waits for both preparation meetings', (_, process, next) => {
    const chosen = run(inPreparation(), choose(process));
    expect(chosen.can(next())).toBe(false);
    expect(run(chosen, prepare('victim')).can(next())).toBe(false);
    expect(run(chosen, prepare('offender')).can(next())).toBe(false);
    expect(run(chosen, prepare('victim'), prepare('offender')).can(next())).toBe(true);
  });
});

describe('separation of duties', () => {
  // Supervisors may do facilitators' work, so a supervisor can be the assessor.
  const assessedByS1 = () => run(consented(), assessment('high', false, s1));

  it('the risk assessor cannot approve or reject their own assessment', () => {
    const s = assessedByS1();
    expect(s.value).toEqual({ open: { riskAssessment: 'awaitingApproval' } });
    expect(s.can(event('APPROVE_RISK', {}, s1))).toBe(false);
    expect(s.can(event('REJECT_RISK', { decision: 'indirect_only', note: 'x' }, s1))).toBe(false);
    expect(s.can(event('REJECT_RISK', { decision: 'close', note: 'x' }, s1))).toBe(false);
    expect(allowedEvents(s, s1, at)).not.toContain('APPROVE_RISK');
    expect(allowedEvents(s, s2, at)).toEqual(expect.arrayContaining(['APPROVE_RISK', 'REJECT_RISK']));
    expect(run(s, event('APPROVE_RISK', {}, s2)).context.risk).toMatchObject({ assessedBy: 's1', approvedBy: 's2' });
  });

  it('an approver without an id cannot approve', () => {
    expect(assessedByS1().can(event('APPROVE_RISK', {}, { kind: 'user', role: 'supervisor' }))).toBe(false);
  });

  it('neither the closure requester nor a facilitator on the case can sign off the closure', () => {
    // s2 is allocated as a co-facilitator; s1 asks for the closure.
    const s = run(accepted({}, ['f1', 's2']), requestClosure('unsuitable', s1));
    expect(s.can(approveClosure(s1))).toBe(false);
    expect(s.can(approveClosure(s2))).toBe(false);
    expect(s.can(approveClosure(f1))).toBe(false);
    expect(allowedEvents(s, s1, at)).not.toContain('APPROVE_CLOSURE');
    expect(allowedEvents(s, s3, at)).toContain('APPROVE_CLOSURE');
    expect(run(s, approveClosure(s3)).context.closureReason).toBe('unsuitable');
  });
});

describe('withdrawal (RJC Code item C)', () => {
  it('a party can only withdraw for themselves', () => {
    const s = accepted();
    expect(s.can(withdraw('offender', victim))).toBe(false);
    expect(s.can(withdraw('victim', offender))).toBe(false);
    expect(s.can(withdraw('victim', victim))).toBe(true);
    expect(s.can(withdraw('offender', offender))).toBe(true);
    // Staff record a withdrawal given by phone, for either party.
    expect(s.can(withdraw('offender', f1))).toBe(true);
  });

  it('stops contact with that party at once and proposes victim_withdrew', () => {
    const before = run(accepted(), event('INVITE_VICTIM'));
    const effects = effectsOf(before, withdraw('victim', victim));
    expect(effects).toContainEqual({ type: 'stopContact', params: { party: 'victim' } });
    expect(effects).toContainEqual({ type: 'cancelTimers', params: { keys: ['invitationReminder', 'invitationExpiry', 'reoffer'] } });
    expect(notices(effects)).toContainEqual({ template: 'withdrawal_confirmation', to: ['victim'] });
    const s = run(before, withdraw('victim', victim));
    expect(s.value).toBe('closing');
    expect(s.context.closure?.reason).toBe('victim_withdrew');
    expect(s.context.victim.withdrawn).toBe(true);
    expect(s.can(withdraw('victim', victim))).toBe(false);
  });
});

describe('pause and resume return to the exact state', () => {
  const scenarios: [string, () => CaseSnapshot][] = [
    ['both consent tracks', () => run(accepted(), event('INVITE_VICTIM'), event('RECORD_OFFENDER_RESPONSE', { response: 'unreachable' }))],
    ['awaiting risk approval', () => run(consented({ hateCrime: true }), assessment('low', true))],
    ['preparation half done', () => run(inPreparation(), prepare('victim'), choose('conference'))],
    ['an indirect exchange', () => run(inPreparation(), choose('shuttle'), prepare('victim'), prepare('offender'), event('START_INDIRECT_EXCHANGE'))],
    [
      'follow-up with an item done',
      () =>
        run(
          inPreparation(),
          choose('conference'),
          prepare('victim'),
          prepare('offender'),
          schedule(),
          event('RECORD_OUTCOME', {
            attendees: ['victim', 'offender'],
            heldAt: '2026-11-02T08:00:00Z',
            agreement: [
              { action: 'Apologise', owner: 'offender', dueDate: '2026-12-15' },
              { action: 'Repair fence', owner: 'offender', dueDate: '2027-01-15' },
            ],
          }),
          event('COMPLETE_AGREEMENT_ITEM', { itemId: 'item-1' }),
        ),
    ],
  ];

  it.each(scenarios)('in %s', (_, scenario) => {
    const before = scenario();
    const paused = run(before, event('PAUSE', { reason: 'Offender in hospital' }));
    expect(paused.value).toBe('paused');
    expect(paused.context.stage).toBe(before.context.stage);
    expect(stateOf(run(paused, event('RESUME')))).toEqual(stateOf(before));
  });

  it('PAUSE with an end date schedules the RESUME; resuming cancels it', () => {
    const s = accepted();
    expect(effectsOf(s, event('PAUSE', { reason: 'Trial', until: '2027-02-01' }))).toContainEqual({
      type: 'schedule',
      params: { timers: [expect.objectContaining({ key: 'pauseEnds', event: { type: 'RESUME' }, at: '2027-02-01' })] },
    });
    const paused = run(s, event('PAUSE', { reason: 'Trial', until: '2027-02-01' }));
    expect(effectsOf(paused, event('RESUME', {}, system))).toContainEqual({ type: 'cancelTimers', params: { keys: ['pauseEnds'] } });
  });
});

describe('returning a closure', () => {
  it('RETURN_CASE after a staff closure request restores the prior state', () => {
    const before = run(inPreparation(), prepare('victim'), choose('letter'));
    const closing = run(before, requestClosure('unsuitable'));
    const returned = run(closing, returnCase());
    expect(stateOf(returned)).toEqual(stateOf(before));
    expect(notices(effectsOf(closing, returnCase()))).toContainEqual(expect.objectContaining({ template: 'approval_decision', to: ['facilitators'] }));
  });

  it('restores both consent tracks', () => {
    const before = run(accepted(), event('INVITE_VICTIM'), event('VICTIM_RESPONDED', { informationVersion: 'rj-information-2026-11', response: 'more_info' }), event('RECORD_OFFENDER_RESPONSE', { response: 'unreachable' }));
    expect(stateOf(run(before, requestClosure('offender_unreachable'), returnCase()))).toEqual(stateOf(before));
  });

  it('a closure asked for while paused returns to paused, and RESUME then restores the stage', () => {
    const before = run(inPreparation(), prepare('offender'));
    const paused = run(before, event('PAUSE', { reason: 'Court date', until: '2027-03-01' }));
    const returned = run(paused, requestClosure('court_deadline_passed'), returnCase());
    expect(returned.value).toBe('paused');
    expect(returned.context.pause).toEqual(paused.context.pause);
    expect(stateOf(run(returned, event('RESUME')))).toEqual(stateOf(before));
  });

  it.each([
    ['a withdrawal', () => run(inPreparation(), withdraw('offender', offender))],
    ['a withdrawal recorded by staff', () => run(inPreparation(), withdraw('victim', f1))],
    ['a withdrawal while a staff closure waited', () => run(inPreparation(), requestClosure('unsuitable'), withdraw('victim', victim))],
  ])('is refused after %s', (_, closing) => {
    const s = closing();
    expect(s.value).toBe('closing');
    expect(s.can(returnCase())).toBe(false);
    expect(allowedEvents(s, s1, at)).not.toContain('RETURN_CASE');
  });

  it('is allowed after the victim’s own “no”, like a “no” staff recorded, back to where the victim answered', () => {
    const invited = run(accepted(), event('INVITE_VICTIM'));
    const s = run(invited, event('VICTIM_RESPONDED', { informationVersion: 'rj-information-2026-11', response: 'no' }));
    expect(s.context.closure).toMatchObject({ reason: 'victim_declined', requestedBy: { kind: 'party' } });
    expect(allowedEvents(s, s1, at)).toContain('RETURN_CASE');
    expect(run(s, returnCase()).value).toEqual(invited.value);
  });
});

describe('victim-paced: “not now” is not “no”', () => {
  const invited = () => run(accepted(), event('INVITE_VICTIM'));

  it('not now with a date schedules REOFFER_DUE on that date and stops the invitation clocks', () => {
    const effects = effectsOf(invited(), event('VICTIM_RESPONDED', { informationVersion: 'rj-information-2026-11', response: 'not_now', reofferAfter: '2027-01-10' }));
    expect(effects).toContainEqual({ type: 'cancelTimers', params: { keys: ['invitationReminder', 'invitationExpiry', 'reoffer'] } });
    expect(effects).toContainEqual({ type: 'schedule', params: { timers: [{ key: 'reoffer', event: { type: 'REOFFER_DUE' }, at: '2027-01-10' }] } });
  });

  it('not now without a date uses the configured re-offer delay', () => {
    const effects = effectsOf(invited(), event('VICTIM_RESPONDED', { informationVersion: 'rj-information-2026-11', response: 'not_now' }));
    expect(effects).toContainEqual({ type: 'schedule', params: { timers: [{ key: 'reoffer', event: { type: 'REOFFER_DUE' }, delay: 'reofferDefault' }] } });
  });

  it('REOFFER_DUE brings the victim back to be contacted again, and the case never closed', () => {
    const notNow = run(invited(), event('VICTIM_RESPONDED', { informationVersion: 'rj-information-2026-11', response: 'not_now' }));
    expect(notNow.context.closure).toBeNull();
    const s = run(notNow, event('REOFFER_DUE'));
    expect(s.value).toEqual({ open: { consent: { victim: 'notContacted', offender: 'notContacted' } } });
    expect(notices(effectsOf(notNow, event('REOFFER_DUE')))).toEqual([{ template: 'reoffer_due', to: ['facilitators'] }]);
  });
});

describe('sensitive cases need supervisor sign-off (RJC Code item D)', () => {
  it.each(sensitiveFlags)('%s: a low-risk assessment still waits for approval', (flag) => {
    expect(run(consented({ [flag]: true }), assessment('low', true)).value).toEqual({ open: { riskAssessment: 'awaitingApproval' } });
  });

  it.each(['youth', 'vulnerableVictim'] as const)('%s alone is not a sensitive offence: low risk goes on to preparation', (flag) => {
    expect(run(consented({ [flag]: true }), assessment('low', true)).value).toEqual({ open: 'preparation' });
  });

  it.each([
    ['high', { open: { riskAssessment: 'awaitingApproval' } }],
    ['medium', { open: 'preparation' }],
  ] as const)('without flags, %s risk goes to %j', (level, value) => {
    expect(run(consented(), assessment(level, false)).value).toEqual(value);
  });
});

describe('allowedEvents honours roles', () => {
  const states: [string, () => CaseSnapshot][] = [
    ['referral', () => start()],
    ['invited', () => run(accepted(), event('INVITE_VICTIM'))],
    ['not now', () => run(accepted(), event('VICTIM_RESPONDED', { informationVersion: 'rj-information-2026-11', response: 'not_now' }))],
    ['awaiting approval', () => run(consented(), assessment('high', false))],
    ['preparation', () => inPreparation()],
    ['conference', () => run(inPreparation(), choose('conference'), prepare('victim'), prepare('offender'), schedule())],
    ['paused', () => run(inPreparation(), event('PAUSE', { reason: 'x' }))],
    ['closing', () => run(inPreparation(), requestClosure('unsuitable'))],
    ['closed', () => run(start(), event('DECLINE_REFERRAL', { reason: 'duplicate_referral' }))],
  ];
  const sendableBy = (role: string) => new Set(Object.entries(eventSenders).filter(([, roles]) => (roles as readonly string[]).includes(role)).map(([t]) => t as EventType));
  const timerEvents = ['INVITATION_REMINDER_DUE', 'INVITATION_EXPIRED', 'REOFFER_DUE', 'AGREEMENT_ITEM_DUE', 'RESUME'];
  const supervisorsOnly: EventType[] = ['ACCEPT_REFERRAL', 'DECLINE_REFERRAL', 'APPROVE_RISK', 'REJECT_RISK', 'APPROVE_CLOSURE', 'RETURN_CASE', 'REASSIGN'];

  it.each(states)('in %s, nobody is offered what their role may not send', (_, state) => {
    const s = state();
    for (const actor of [f1, s1, s2, victim, offender, system]) {
      const allowed = allowedEvents(s, actor, at);
      const permitted = sendableBy(actor.role);
      expect(allowed.filter((t) => !permitted.has(t)), `${actor.role} is offered events of another role`).toEqual([]);
    }
    expect(allowedEvents(s, f1, at).filter((t) => supervisorsOnly.includes(t))).toEqual([]);
    expect(allowedEvents(s, system, at).filter((t) => !timerEvents.includes(t))).toEqual([]);
    expect(allowedEvents(s, victim, at).filter((t) => t !== 'VICTIM_RESPONDED' && t !== 'WITHDRAW')).toEqual([]);
  });

  it('offers each role what the state needs from it', () => {
    const [, awaiting] = states[3]!;
    expect(allowedEvents(awaiting(), s1, at)).toEqual(expect.arrayContaining(['APPROVE_RISK', 'REJECT_RISK']));
    expect(allowedEvents(awaiting(), f1, at)).not.toContain('APPROVE_RISK');
    expect(allowedEvents(states[1]![1](), system, at).sort()).toEqual(['INVITATION_EXPIRED', 'INVITATION_REMINDER_DUE']);
    expect(allowedEvents(states[1]![1](), victim, at).sort()).toEqual(['VICTIM_RESPONDED', 'WITHDRAW']);
    expect(allowedEvents(states[6]![1](), system, at)).toEqual(['RESUME']);
    for (const actor of [f1, s1, s2, victim, offender, system]) expect(allowedEvents(states[8]![1](), actor, at)).toEqual([]);
  });
});
