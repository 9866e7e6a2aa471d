import { addDuration } from '../cases/timing.js';
import { londonDate } from '../calendar/londonTime.js';
import type { CaseQueue } from '../store/store.js';

/** The moment a dashboard or a queue's list is read at: now, today in London, and where "stalled" begins. */
export function queueMoment(now: Date, stalledAfter: string) {
  const iso = now.toISOString();
  // STALLED_AFTER back from now: the same span forward from a point as far before.
  const span = Date.parse(addDuration(iso, stalledAfter)) - now.getTime();
  return { now: iso, today: londonDate(iso), stalledBefore: new Date(now.getTime() - span).toISOString() };
}

/** Each list of cases the dashboard counts, as staff name it. */
export const queueWords: Record<CaseQueue, { title: string; description: string }> = {
  referrals: { title: 'New referrals to screen', description: 'Referrals waiting for a supervisor to accept and allocate them, or to decline them.' },
  riskApprovals: { title: 'Risk assessments to approve', description: 'High-risk or sensitive cases waiting for a supervisor who did not assess them.' },
  closureSignOffs: { title: 'Closures to sign off', description: 'Cases a facilitator has asked to close, waiting for another staff member to sign off.' },
  clocksOverdue: { title: "Victims' Code deadlines missed", description: "Cases where the victim has not been contacted, or offered information about restorative justice, in time." },
  itemsOverdue: { title: 'Agreement items overdue', description: 'Outcome agreement items past their due date and not yet completed or missed.' },
  undeliverable: { title: 'Emails that could not be delivered', description: 'Cases with an email that failed, waiting for someone to contact the person another way.' },
  stalled: { title: 'Stalled cases', description: 'Open cases with no activity for a while.' },
  pausedPastEnd: { title: 'Paused past their end date', description: 'Paused cases whose pause was meant to have ended.' },
};
