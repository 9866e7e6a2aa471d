import type { RetentionRecord } from '../../../store/store.js';
import { closureLabel, day } from '../caseWords.js';

/** One row of the retention list: when the case closed and why, when its content goes, and any hold on it. */
export const retentionRow = (r: RetentionRecord, today: string) => ({
  caseId: r.caseId,
  reference: r.reference,
  closed: day(r.closedAt),
  reason: closureLabel(r.closureReason) || 'No reason recorded',
  retainUntil: day(r.retainUntil),
  overdue: r.retainUntil.slice(0, 10) < today,
  hold: r.hold && { reason: r.hold.reason, since: day(r.hold.placedAt) },
});
