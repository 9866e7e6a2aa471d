import { closureReasons } from './closureReasons.js';
import type { CaseContext } from './context.js';
import { specialisms } from './context.v2.js';
import { parties, processes, type EventFacts, type EventType } from './events.js';

/** A payload that picks one way an event can go, with any facts it assumes. */
export type Variant = Record<string, unknown> & { facts?: Partial<EventFacts> };

/** Stands for "a facilitator trained for whatever this case needs": the rule is checked again on the real allocation. */
const anyTrainedFacilitator = { facilitatorIds: ['(trained)'], facts: { trainedFor: { '(trained)': specialisms } } };

const weekAfter = (at: string) => new Date(Date.parse(at) + 7 * 24 * 60 * 60 * 1000).toISOString();

/**
 * The payload values that decide which way an event goes, each with values that
 * suit the case now (a start in the future, the information given). Asking the
 * machine whether any variant is accepted tells which events may be sent now,
 * and which options a form should offer, without a second copy of the rules.
 */
export function eventVariants(type: EventType, context: CaseContext, now: { at: string; facts: EventFacts }): Variant[] {
  switch (type) {
    case 'ACCEPT_REFERRAL':
    case 'REASSIGN':
      return [anyTrainedFacilitator];
    case 'RECORD_OFFENDER_RESPONSE':
      return ['willing', 'declined', 'denies_responsibility', 'unreachable'].map((response) => ({ response }));
    case 'VICTIM_RESPONDED':
      return ['yes', 'more_info', 'not_now', 'no'].map((response) => ({
        response,
        informationVersion: 'current',
        informationGiven: { version: 'current', how: 'phone' },
      }));
    case 'SUBMIT_RISK_ASSESSMENT':
      return [
        { level: 'low', directContactAllowed: true },
        { level: 'high', directContactAllowed: false },
      ];
    case 'REJECT_RISK':
      return [{ decision: 'indirect_only' }, { decision: 'close' }];
    case 'CHOOSE_PROCESS':
      return processes.map((process) => ({ process }));
    case 'SCHEDULE_CONFERENCE':
    case 'RESCHEDULE_CONFERENCE':
      return [{ startsAt: weekAfter(now.at) }];
    case 'RECORD_OUTCOME':
      return [{ agreement: [], heldAt: now.at }];
    case 'COMPLETE_AGREEMENT_ITEM':
    case 'MISS_AGREEMENT_ITEM':
    case 'AGREEMENT_ITEM_DUE':
      return context.agreement.map((item) => ({ itemId: item.id }));
    case 'RESOLVE_TASK':
      return now.facts.openTaskIds.map((taskId) => ({ taskId }));
    case 'REQUEST_CLOSURE':
      return closureReasons.map((reason) => ({ reason }));
    case 'WITHDRAW':
      return parties.map((party) => ({ party }));
    case 'RECORD_CONSENT':
      // Each party's withdrawal from taking part and a consent the rules do not read (so either party can be chosen),
      // and the consents the rules read, for the victim (the same rules read the offender's).
      return [
        ...parties.flatMap((party) => [
          { party, withdrawn: ['participation'] },
          { party, given: ['shareInformation'] },
        ]),
        { party: 'victim', withdrawn: ['directMeeting'] },
        { party: 'victim', given: ['directMeeting'] },
        { party: 'victim', withdrawn: ['emailContact'] },
        { party: 'victim', given: ['emailContact'] },
      ];
    default:
      return [{}];
  }
}
