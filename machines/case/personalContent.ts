import type { z } from 'zod';
import type { CaseContext } from './context.js';
import type { eventPayloads, EventType } from './events.js';

type PayloadKey<T extends EventType> = keyof z.infer<(typeof eventPayloads)[T]> & string;

/**
 * The fields of each event that are personal content: names, contact details
 * and free text. The store keeps them apart from the chained history row (only
 * a salted commitment to them is chained), so they can be erased while the
 * chain still verifies. Coded fields (choices, dates, ids, counts) stay in the
 * row, so reports count a case after its content is gone. An event missing
 * here fails the typecheck.
 */
export const personalFields: { [T in EventType]: readonly PayloadKey<T>[] } = {
  ACCEPT_REFERRAL: [],
  DECLINE_REFERRAL: ['note'],
  RECORD_OFFENDER_RESPONSE: ['note'],
  INVITE_VICTIM: [],
  VICTIM_RESPONDED: ['accessNeeds', 'safeContact', 'note'],
  INVITATION_REMINDER_DUE: [],
  INVITATION_EXPIRED: [],
  REOFFER_DUE: [],
  SUBMIT_RISK_ASSESSMENT: ['factors', 'mitigations'],
  APPROVE_RISK: ['note'],
  REJECT_RISK: ['note'],
  RECORD_PREPARATION: ['note'],
  ADD_SUPPORTER: ['name', 'email'],
  CHOOSE_PROCESS: [],
  SCHEDULE_CONFERENCE: ['venue'],
  START_INDIRECT_EXCHANGE: ['note'],
  RESCHEDULE_CONFERENCE: ['venue', 'reason'],
  CANCEL_CONFERENCE: ['reason'],
  // Agreement items keep their due dates in the row (see codedParts); what and who go.
  RECORD_OUTCOME: ['attendees', 'agreement', 'note'],
  RECORD_INDIRECT_EXCHANGE: ['summary'],
  COMPLETE_INDIRECT: ['note'],
  COMPLETE_AGREEMENT_ITEM: ['note'],
  MISS_AGREEMENT_ITEM: ['note'],
  AGREEMENT_ITEM_DUE: [],
  REQUEST_CLOSURE: ['note'],
  APPROVE_CLOSURE: ['note'],
  RETURN_CASE: ['note'],
  RESOLVE_TASK: ['note'],
  WITHDRAW: ['reason'],
  PAUSE: ['reason'],
  RESUME: [],
  REVISE_RISK: ['reason'],
  REASSIGN: [],
  ADD_NOTE: ['text'],
  // The party and the purposes stay in the row: the consent ledger is read from them after an erasure too.
  CORRECT_PARTY_DETAILS: ['name', 'email', 'phone', 'reason'],
  RECORD_CONSENT: ['note'],
};

export type Party = 'victim' | 'offender';

/**
 * Which party an event's content is about: the one it names or who sent it,
 * or both when it is about the case as a whole (a note may mention anyone).
 * Erasing a party's content erases their own and the case-wide entries, and
 * leaves the other party's own.
 */
export function partyConcerned(type: string, data: Record<string, unknown>, actor: { kind: string; role: string }): Party | 'both' {
  if (actor.kind === 'party' && (actor.role === 'victim' || actor.role === 'offender')) return actor.role;
  if (data.party === 'victim' || data.party === 'offender') return data.party;
  if (type === 'INVITE_VICTIM' || type === 'VICTIM_RESPONDED' || type.startsWith('INVITATION_') || type === 'REOFFER_DUE') return 'victim';
  if (type === 'RECORD_OFFENDER_RESPONSE') return 'offender';
  return 'both';
}

/** History entries written beside the chart's events (privacy and records management), and their personal fields. */
export const recordEntryFields: Record<string, readonly string[]> = {
  REFERRAL_RECEIVED: [],
  PERSONAL_DATA_ERASED: ['note'],
  LEGAL_HOLD_PLACED: ['reason'],
  LEGAL_HOLD_LIFTED: ['reason'],
  SUBJECT_ACCESS_EXPORTED: [],
  MACHINE_MIGRATED: [],
};

const fieldsOf = (type: string): readonly string[] =>
  (personalFields as Record<string, readonly string[]>)[type] ?? recordEntryFields[type] ?? [];

/**
 * An entry's data parted into what is chained as it is (coded) and what is
 * kept apart as personal content (null when there is none). An entry type
 * known to neither list keeps everything apart: unknown means personal.
 */
/**
 * The coded part a personal field leaves in the row: an agreement's items keep
 * their due dates, so the summary rebuilt from an erased history still counts them.
 */
const codedParts: Record<string, Record<string, (value: unknown) => unknown>> = {
  RECORD_OUTCOME: { agreement: (items) => (Array.isArray(items) ? items.map((i: { dueDate?: unknown }) => ({ dueDate: i.dueDate })) : items) },
};

export function splitContent(type: string, data: Record<string, unknown>): { coded: Record<string, unknown>; content: Record<string, unknown> | null } {
  const known = type in personalFields || type in recordEntryFields;
  const personal = new Set(fieldsOf(type));
  const coded: Record<string, unknown> = {};
  const content: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (!known || personal.has(key)) {
      content[key] = value;
      const part = codedParts[type]?.[key];
      if (part) coded[key] = part(value);
    } else coded[key] = value;
  }
  return { coded, content: Object.keys(content).length ? content : null };
}

/** What stands in for a name or a free text once it is erased. */
export const erasedText = '[erased]';

/**
 * A case's context with the party's (or, for 'all', everyone's) names and free
 * text replaced: what the chart's rules read (flags, stages, dates, counts,
 * statuses) is kept, so an anonymised case still runs and counts as before.
 */
export function scrubContext<C extends CaseContext>(context: C, party: Party | 'all'): C {
  const all = party === 'all';
  return {
    ...context,
    victim: { ...context.victim, accessNeeds: party !== 'offender' && context.victim.accessNeeds !== null ? erasedText : context.victim.accessNeeds },
    supporters: context.supporters.map((s) => (all || s.party === party ? { id: s.id, party: s.party, name: erasedText } : s)),
    // Case-wide text may name anyone, so it goes with either party's content.
    conference: context.conference && { ...context.conference, venue: erasedText },
    agreement: context.agreement.map((i) => ({ ...i, action: erasedText, owner: erasedText })),
    closure: context.closure && { ...context.closure, note: context.closure.note === null ? null : erasedText },
    pause: context.pause && { ...context.pause, reason: erasedText },
  };
}
