import type { CaseQueue } from './store.js';

/** The dashboard's lists of cases, as conditions on a case `c` in SQL both dialects read (`@name` parameters): its counts and its lists use the same ones. */
export const queueConditions: Record<CaseQueue, string> = {
  referrals: "c.stage = 'referral' AND c.status = 'active'",
  riskApprovals: "c.waiting_for = 'risk_approval'",
  closureSignOffs: "c.waiting_for = 'closure_sign_off'",
  clocksOverdue: 'c.clock_due_at IS NOT NULL AND c.clock_due_at < @now',
  itemsOverdue: 'c.items_overdue > 0',
  undeliverable: 'EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.resolved_at IS NULL)',
  stalled: "c.status = 'active' AND c.paused = 0 AND c.updated_at < @stalledBefore",
  pausedPastEnd: 'c.paused = 1 AND c.paused_until IS NOT NULL AND c.paused_until < @today',
};

/**
 * Each list's count. The same conditions, except where counting from the other side
 * reads far less: open tasks are few, cases many.
 */
export const queueCounts: Record<CaseQueue, string> = {
  ...(Object.fromEntries(Object.entries(queueConditions).map(([name, where]) => [name, `SELECT count(*) FROM cases c WHERE ${where}`])) as Record<CaseQueue, string>),
  undeliverable: 'SELECT count(DISTINCT case_id) FROM tasks WHERE resolved_at IS NULL',
};
