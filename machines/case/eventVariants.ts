import { closureReasons } from './closureReasons.js';
import type { CaseContext } from './context.js';
import { parties, processes, type EventType } from './events.js';

/**
 * The payload values that decide which way an event goes. Asking the machine
 * whether any variant is accepted tells which events may be sent now, and which
 * options a form should offer, without a second copy of the rules.
 */
export function eventVariants(type: EventType, context: CaseContext): Record<string, unknown>[] {
  switch (type) {
    case 'RECORD_OFFENDER_RESPONSE':
      return ['willing', 'declined', 'denies_responsibility', 'unreachable'].map((response) => ({ response }));
    case 'VICTIM_RESPONDED':
      return ['yes', 'more_info', 'not_now', 'no'].map((response) => ({ response }));
    case 'SUBMIT_RISK_ASSESSMENT':
      return [
        { level: 'low', directContactAllowed: true },
        { level: 'high', directContactAllowed: false },
      ];
    case 'REJECT_RISK':
      return [{ decision: 'indirect_only' }, { decision: 'close' }];
    case 'CHOOSE_PROCESS':
      return processes.map((process) => ({ process }));
    case 'COMPLETE_AGREEMENT_ITEM':
    case 'MISS_AGREEMENT_ITEM':
    case 'AGREEMENT_ITEM_DUE':
      return context.agreement.map((item) => ({ itemId: item.id }));
    case 'REQUEST_CLOSURE':
      return closureReasons.map((reason) => ({ reason }));
    case 'WITHDRAW':
      return parties.map((party) => ({ party }));
    default:
      return [{}];
  }
}
