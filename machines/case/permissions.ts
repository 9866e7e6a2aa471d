import type { Actor, EventType } from './events.js';

/**
 * Who may send which event, in one place. Roles are user roles, the parties
 * answering through their own links, and the system clock.
 * Supervisors may also do facilitators' work, so the separation-of-duties
 * guards in the machine (approver ≠ assessor) are what keeps the two apart.
 */
const staff = ['facilitator', 'supervisor'] as const;

export const eventSenders = {
  ACCEPT_REFERRAL: ['supervisor'],
  DECLINE_REFERRAL: ['supervisor'],

  RECORD_OFFENDER_RESPONSE: staff,
  INVITE_VICTIM: staff,
  VICTIM_RESPONDED: [...staff, 'victim'],
  INVITATION_REMINDER_DUE: ['system'],
  INVITATION_EXPIRED: ['system'],
  REOFFER_DUE: ['system'],

  SUBMIT_RISK_ASSESSMENT: staff,
  APPROVE_RISK: ['supervisor'],
  REJECT_RISK: ['supervisor'],

  RECORD_PREPARATION: staff,
  ADD_SUPPORTER: staff,
  CHOOSE_PROCESS: staff,
  SCHEDULE_CONFERENCE: staff,
  START_INDIRECT_EXCHANGE: staff,

  RESCHEDULE_CONFERENCE: staff,
  CANCEL_CONFERENCE: staff,
  RECORD_OUTCOME: staff,
  RECORD_INDIRECT_EXCHANGE: staff,
  COMPLETE_INDIRECT: staff,

  COMPLETE_AGREEMENT_ITEM: staff,
  MISS_AGREEMENT_ITEM: staff,
  AGREEMENT_ITEM_DUE: ['system'],
  REQUEST_CLOSURE: staff,
  APPROVE_CLOSURE: ['supervisor'],
  RETURN_CASE: ['supervisor'],
  RESOLVE_TASK: staff,

  WITHDRAW: [...staff, 'victim', 'offender'],
  PAUSE: staff,
  RESUME: [...staff, 'system'],
  REVISE_RISK: staff,
  REASSIGN: ['supervisor'],
  ADD_NOTE: staff,
  CORRECT_PARTY_DETAILS: ['supervisor'],
  RECORD_CONSENT: staff,
} as const satisfies Record<EventType, readonly string[]>;

type SentBy<Role extends string> = { [T in EventType]: Role extends (typeof eventSenders)[T][number] ? T : never }[EventType];

/** The events a facilitator or a supervisor may send: each has a staff form (src/web/staff/eventForm/registry.ts). */
export type StaffEvent = SentBy<'facilitator'> | SentBy<'supervisor'>;

export function maySend(actor: Actor, type: EventType): boolean {
  return (eventSenders[type] as readonly string[]).includes(actor.role);
}

/** Whether staff (a facilitator or a supervisor) may ever send this event. */
export const isStaffEvent = (type: string): type is StaffEvent =>
  Object.hasOwn(eventSenders, type) && (eventSenders[type as EventType] as readonly string[]).some((r) => r === 'facilitator' || r === 'supervisor');
