import { closureReasonGroups } from '../../machines/case/closureReasons.js';
import type { Flags } from '../../machines/case/context.js';
import { specialisms } from '../../machines/case/context.v2.js';
import { eventPayloads, eventTypes, type Actor, type CaseEvent, type EventFacts, type EventType } from '../../machines/case/events.js';
import { eventVariants } from '../../machines/case/eventVariants.js';
import type { caseMachineV1 } from '../../machines/case/machine.v1.js';
import { currentMachineVersion, machineFor, startCase, transitionCase, type CaseSnapshot, type MachineVersion } from '../../machines/case/index.js';

/** Shared by the machine tests: who acts, valid sample payloads, and pure stepping, for any machine version. */
export const at = '2026-11-02T09:00:00Z';

// Distinct ids matter: guards compare the actor with the assessor, the closure requester and the allocated facilitators.
export const actors = {
  facilitator: { kind: 'user', id: 'f1', role: 'facilitator' },
  coFacilitator: { kind: 'user', id: 'f2', role: 'facilitator' },
  supervisor: { kind: 'user', id: 's1', role: 'supervisor' },
  closureApprover: { kind: 'user', id: 's2', role: 'supervisor' },
  victim: { kind: 'party', role: 'victim' },
  offender: { kind: 'party', role: 'offender' },
  system: { kind: 'system', role: 'system' },
} satisfies Record<string, Actor>;

/** What the engine would look up: f1 is trained for every specialism, f2 for none, and the case has one open task. */
export const worldFacts: EventFacts = { openTaskIds: ['task-1'], trainedFor: { f1: specialisms, f2: [] } };

type Payload = Record<string, unknown>;

/**
 * Valid payloads per event type. `eventVariants` supplies the values that pick a
 * branch; these supply the rest (and win over a variant's stand-ins), plus a few
 * choices that change what later guards see (which party was prepared, an
 * outcome with or without an agreement).
 */
export const samplePayloads: Record<EventType, Payload[]> = {
  ACCEPT_REFERRAL: [{ facilitatorIds: ['f1'] }],
  DECLINE_REFERRAL: [...closureReasonGroups.administrative, ...closureReasonGroups.service].map((reason) => ({ reason })),
  RECORD_OFFENDER_RESPONSE: [{}],
  INVITE_VICTIM: [{}],
  VICTIM_RESPONDED: [{ informationVersion: 'rj-information-2026-11' }],
  INVITATION_REMINDER_DUE: [{}],
  INVITATION_EXPIRED: [{}],
  REOFFER_DUE: [{}],
  SUBMIT_RISK_ASSESSMENT: [{ factors: { safety: 'no concerns' } }],
  APPROVE_RISK: [{}],
  REJECT_RISK: [{ note: 'Too early for a meeting' }],
  RECORD_PREPARATION: [
    { party: 'victim', note: 'Met at home' },
    { party: 'offender', note: 'Met at probation' },
  ],
  ADD_SUPPORTER: [{ party: 'victim', name: 'Sam' }],
  CHOOSE_PROCESS: [{}],
  SCHEDULE_CONFERENCE: [{ startsAt: '2026-12-01T10:00:00Z', venue: 'Community centre' }],
  START_INDIRECT_EXCHANGE: [{}],
  RESCHEDULE_CONFERENCE: [{ startsAt: '2026-12-08T10:00:00Z', reason: 'Victim unwell' }],
  CANCEL_CONFERENCE: [{ reason: 'Venue closed' }],
  RECORD_OUTCOME: [
    { attendees: ['victim', 'offender'], agreement: [] },
    { attendees: ['victim', 'offender'], agreement: [{ action: 'Write a letter', owner: 'offender', dueDate: '2026-12-15' }] },
  ],
  RECORD_INDIRECT_EXCHANGE: [{ summary: 'Letter passed on' }],
  COMPLETE_INDIRECT: [{}],
  COMPLETE_AGREEMENT_ITEM: [{}],
  MISS_AGREEMENT_ITEM: [{}],
  AGREEMENT_ITEM_DUE: [{}],
  REQUEST_CLOSURE: [{}],
  APPROVE_CLOSURE: [{}],
  RETURN_CASE: [{ note: 'Keep trying' }],
  RESOLVE_TASK: [{ note: 'Phoned the victim instead' }],
  WITHDRAW: [{}],
  PAUSE: [{ reason: 'Offender in hospital' }],
  RESUME: [{}],
  REVISE_RISK: [{ reason: 'New information' }],
  REASSIGN: [{ facilitatorIds: ['f1', 'f2'] }],
  ADD_NOTE: [{ text: 'Phoned the victim' }],
  CORRECT_PARTY_DETAILS: [{ party: 'victim', name: 'Vera Victim', email: 'vera.new@example.org', reason: 'She has a new address' }],
  RECORD_CONSENT: [{ channel: 'phone' }],
};

/** The usual sender of each event: parties act for themselves, timers come from the system, sign-offs from s1/s2. */
export function senderOf(type: EventType, payload: Payload): Actor {
  switch (type) {
    case 'WITHDRAW':
      return payload.party === 'offender' ? actors.offender : actors.victim;
    case 'VICTIM_RESPONDED':
      return actors.victim;
    case 'INVITATION_REMINDER_DUE':
    case 'INVITATION_EXPIRED':
    case 'REOFFER_DUE':
    case 'AGREEMENT_ITEM_DUE':
      return actors.system;
    case 'ACCEPT_REFERRAL':
    case 'DECLINE_REFERRAL':
    case 'APPROVE_RISK':
    case 'REJECT_RISK':
    case 'REASSIGN':
    case 'RETURN_CASE':
    case 'CORRECT_PARTY_DETAILS':
      return actors.supervisor;
    case 'APPROVE_CLOSURE':
      return actors.closureApprover;
    default:
      return actors.facilitator;
  }
}

/** Builds an event whose payload passes the API's schema, so no test drives the chart with a payload the API would refuse. */
export function event<T extends EventType>(type: T, payload: Payload = {}, actor: Actor = senderOf(type, payload), facts: EventFacts = worldFacts): CaseEvent {
  const { facts: _variantFacts, ...fields } = payload;
  const parsed = eventPayloads[type].safeParse(fields);
  if (!parsed.success) throw new Error(`invalid sample ${type} ${JSON.stringify(fields)}: ${parsed.error.message}`);
  return { type, ...fields, actor, at, facts } as unknown as CaseEvent;
}

/** The machine tests' tools for one version of the chart. */
export function fixturesFor(version: MachineVersion) {
  // Typed as the shared base (see CaseSnapshot), so one set of tests drives every version.
  const machine = machineFor(version) as unknown as typeof caseMachineV1;

  /** Every sample event for this state: samples × branch variants, each with its usual sender. */
  const sampleEvents = (snapshot: CaseSnapshot): CaseEvent[] =>
    eventTypes.flatMap((type) =>
      samplePayloads[type].flatMap((sample) =>
        eventVariants(type, snapshot.context, { at, facts: worldFacts }).map((variant) => event(type, { ...variant, ...sample })),
      ),
    );

  const start = (flags: Flags = {}): CaseSnapshot => startCase({ flags }, version).snapshot;

  /** Pure stepping, as the engine does it. */
  const step = (snapshot: CaseSnapshot, e: CaseEvent) => transitionCase(version, snapshot, e);

  /** Sends events in order and returns the last snapshot; throws if one is refused, naming it. */
  const run = (snapshot: CaseSnapshot, ...events: CaseEvent[]): CaseSnapshot =>
    events.reduce((s, e) => {
      if (!s.can(e)) throw new Error(`${e.type} refused in ${JSON.stringify(s.value)}`);
      return step(s, e)[0];
    }, snapshot);

  return { version, machine, sampleEvents, start, step, run };
}

/** The current version's tools: the rules tests describe the chart as it stands. */
export const { version, machine, sampleEvents, start, step, run } = fixturesFor(currentMachineVersion);
