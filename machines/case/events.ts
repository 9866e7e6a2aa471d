import { z } from 'zod';
import { closureReasons, referralDeclineReasons } from './closureReasons.js';
import { consentChannels, purposes } from './consent.js';

// Messages read after the field's name, in a form or an API issue: "note must be 5,000 characters or fewer".
const text = (max: number) =>
  z
    .string({ error: 'must be text' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be ${max.toLocaleString('en-GB')} characters or fewer` });
const note = text(5000).optional();
const id = text(100);
const isoDate = z.iso.date({ message: 'a date as YYYY-MM-DD, for example 2026-12-08' });
// A time without an offset is ambiguous across the clock change, so it is refused rather than guessed.
const isoDateTime = z.iso.datetime({
  offset: true,
  message: 'a date and time with its offset, for example 2026-12-08T10:00:00Z or 2026-12-08T10:00:00+01:00: add Z or +01:00 if it has none',
});

/** A person's contact details, by the same rules wherever they are entered (the referral, a correction). */
export const emailAddress = z.email({ error: 'must be an email address, like name@example.org' }).max(254);
export const phoneNumber = z.string().trim().regex(/^[0-9 +()-]{6,20}$/, 'a phone number of digits, spaces and + ( ) -');

export const parties = ['victim', 'offender'] as const;
export const processes = ['conference', 'shuttle', 'letter'] as const;
export const directProcesses: readonly string[] = ['conference'];
export const riskLevels = ['low', 'medium', 'high'] as const;
/** How staff gave a victim the information about restorative justice, when it was not the emailed invitation. */
export const informationChannels = ['phone', 'in_person', 'letter'] as const;

const listLength = (list: unknown) => (Array.isArray(list) ? list.length : 0);
const isObject = ({ value }: { value: unknown }) => typeof value === 'object' && value !== null;
const purposeList = z
  .array(z.enum(purposes))
  .refine((list) => new Set(list).size === list.length, 'list each purpose once');

/** Payload schemas for every event, keyed by type. Unknown fields are refused so typos never pass silently. */
export const eventPayloads = {
  ACCEPT_REFERRAL: z.strictObject({ facilitatorIds: z.array(id).min(1).max(2) }),
  DECLINE_REFERRAL: z.strictObject({ reason: z.enum(referralDeclineReasons), note }),

  RECORD_OFFENDER_RESPONSE: z.strictObject({
    response: z.enum(['willing', 'declined', 'denies_responsibility', 'unreachable']),
    note,
  }),
  INVITE_VICTIM: z.strictObject({}),
  VICTIM_RESPONDED: z.strictObject({
    response: z.enum(['yes', 'more_info', 'not_now', 'no']),
    reofferAfter: isoDate.optional(),
    preferredProcess: z.enum(processes).optional(),
    accessNeeds: text(2000).optional(),
    /** Safe times and ways to contact them, in the victim's words. */
    safeContact: text(2000).optional(),
    /** Which version of the information about restorative justice they were shown (RJC Code item A). */
    informationVersion: text(50).optional(),
    /** An answer staff record: which information the victim was given, and how, if not by the invitation. */
    informationGiven: z.strictObject({ version: text(50), how: z.enum(informationChannels) }).optional(),
    note,
  }),
  INVITATION_REMINDER_DUE: z.strictObject({}),
  INVITATION_EXPIRED: z.strictObject({}),
  REOFFER_DUE: z.strictObject({}),

  SUBMIT_RISK_ASSESSMENT: z
    .strictObject({
      level: z.enum(riskLevels),
      factors: z.record(z.string().max(100), text(2000)).refine((f) => Object.keys(f).length <= 50, 'at most 50 factors'),
      mitigations: text(5000).optional(),
      directContactAllowed: z.boolean(),
    })
    .refine((r) => !(r.level === 'high' && r.directContactAllowed), {
      path: ['directContactAllowed'],
      message: 'High risk allows indirect contact only, so direct contact cannot be allowed.',
    }),
  APPROVE_RISK: z.strictObject({ note }),
  REJECT_RISK: z.strictObject({ decision: z.enum(['indirect_only', 'close']), note: text(5000) }),

  RECORD_PREPARATION: z.strictObject({ party: z.enum(parties), note: text(5000) }),
  ADD_SUPPORTER: z.strictObject({ party: z.enum(parties), name: text(200), email: emailAddress.optional() }),
  CHOOSE_PROCESS: z.strictObject({ process: z.enum(processes) }),
  SCHEDULE_CONFERENCE: z.strictObject({ startsAt: isoDateTime, venue: text(500) }),
  START_INDIRECT_EXCHANGE: z.strictObject({ note }),

  RESCHEDULE_CONFERENCE: z.strictObject({ startsAt: isoDateTime, venue: text(500).optional(), reason: text(2000) }),
  CANCEL_CONFERENCE: z.strictObject({ reason: text(2000) }),
  RECORD_OUTCOME: z.strictObject({
    attendees: z.array(text(200)).min(1).max(30),
    agreement: z.array(z.strictObject({ action: text(1000), owner: text(200), dueDate: isoDate })).max(30),
    /** When the conference took place, if not at its planned start (it may have been brought forward). */
    heldAt: isoDateTime.optional(),
    note,
  }),
  RECORD_INDIRECT_EXCHANGE: z.strictObject({ summary: text(10000) }),
  COMPLETE_INDIRECT: z.strictObject({ note }),

  COMPLETE_AGREEMENT_ITEM: z.strictObject({ itemId: id, note }),
  MISS_AGREEMENT_ITEM: z.strictObject({ itemId: id, note }),
  AGREEMENT_ITEM_DUE: z.strictObject({ itemId: id }),
  REQUEST_CLOSURE: z.strictObject({ reason: z.enum(closureReasons), note }),
  APPROVE_CLOSURE: z.strictObject({ note }),
  RETURN_CASE: z.strictObject({ note: text(5000) }),
  /** Marks a task (such as an email that could not be delivered) as dealt with, saying how. */
  RESOLVE_TASK: z.strictObject({ taskId: id, note: text(5000) }),

  WITHDRAW: z.strictObject({ party: z.enum(parties), reason: text(2000).optional() }),
  PAUSE: z.strictObject({ reason: text(2000), until: isoDate.optional() }),
  RESUME: z.strictObject({}),
  REVISE_RISK: z.strictObject({ reason: text(2000) }),
  REASSIGN: z.strictObject({ facilitatorIds: z.array(id).min(1).max(2) }),
  ADD_NOTE: z.strictObject({ text: text(10000) }),

  /** A party's contact details as they should be: all of them, so an email or phone left out means none on record. */
  CORRECT_PARTY_DETAILS: z.strictObject({
    party: z.enum(parties),
    name: text(200),
    email: emailAddress.optional(),
    phone: phoneNumber.optional(),
    reason: text(2000),
  }),
  /** Consent given or withdrawn, per purpose, as staff heard it from the party. */
  RECORD_CONSENT: z
    .strictObject({
      party: z.enum(parties),
      given: purposeList.optional(),
      withdrawn: purposeList.optional(),
      channel: z.enum(consentChannels),
      /** Which version of the information about restorative justice they were given. */
      informationVersion: text(50).optional(),
      note,
    })
    // Checked even when another field is wrong too, so a form shows every problem at once.
    .refine((c) => listLength(c.given) + listLength(c.withdrawn) > 0, {
      path: ['given'],
      message: 'Name at least one purpose the party gives or withdraws their consent to.',
      when: isObject,
    })
    .refine((c) => !(Array.isArray(c.given) && Array.isArray(c.withdrawn) && c.given.some((p) => c.withdrawn!.includes(p))), {
      path: ['withdrawn'],
      message: 'A purpose cannot be both given and withdrawn: choose one for each.',
      when: isObject,
    }),
} as const;

export type EventType = keyof typeof eventPayloads;
export const eventTypes = Object.keys(eventPayloads) as EventType[];

export type ActorKind = 'user' | 'party' | 'system';
export interface Actor {
  kind: ActorKind;
  id?: string;
  role: string;
}

/**
 * What the engine looked up for the guards, which the machine cannot read for
 * itself: the case's open tasks, and the specialist training of each facilitator
 * an event allocates. Never sent by a client; the payload schemas refuse it.
 */
export interface EventFacts {
  openTaskIds: string[];
  trainedFor?: Record<string, readonly string[]>;
}

/** What every event carries besides its payload: who sent it and when (the machine never reads a clock), and the facts it needs. */
export interface EventMeta {
  actor: Actor;
  at: string;
  facts?: EventFacts;
}

export type CaseEvent = {
  [T in EventType]: { type: T } & z.infer<(typeof eventPayloads)[T]> & EventMeta;
}[EventType];

export type EventOf<T extends EventType> = Extract<CaseEvent, { type: T }>;
