import type { Statement } from 'better-sqlite3';
import type { Db } from '../database.js';
import { caseQueues, type CaseQueue, type DashboardCounts, type OversightStore } from '../store.js';
import { queueCounts } from '../queues.js';
import type { WriteQueue } from '../writeQueue.js';

/**
 * What supervisors oversee across cases: the dashboard's counts, each read by an
 * index of its own, each facilitator's caseload from the counts the events keep,
 * and practitioners' supervision sessions.
 */
export function sqliteOversight(db: Db, writes: WriteQueue): OversightStore {
  const counts = Object.fromEntries(caseQueues.map((name) => [name, db.prepare(queueCounts[name]).pluck()])) as Record<CaseQueue, Statement>;
  const q = {
    caseloads: db.prepare(
      `SELECT u.id, u.name, o.stage, o.cases FROM users u LEFT JOIN facilitator_open_cases o ON o.user_id = u.id AND o.cases > 0
       WHERE u.role = 'facilitator' AND u.disabled_at IS NULL ORDER BY u.name, u.id`,
    ),
    addSupervision: db.prepare(
      `INSERT INTO supervision_sessions (id, facilitator_id, held_on, note, recorded_by, recorded_at)
       VALUES (@id, @facilitatorId, @heldOn, @note, @recordedBy, @recordedAt)`,
    ),
    lastSupervision: db.prepare('SELECT facilitator_id AS facilitatorId, max(held_on) AS heldOn FROM supervision_sessions GROUP BY facilitator_id'),
  };

  return {
    dashboardCounts: async (at) => Object.fromEntries(caseQueues.map((name) => [name, counts[name].get(at) as number])) as DashboardCounts,
    facilitatorCaseloads: async () => {
      const byId = new Map<string, { id: string; name: string; byStage: Record<string, number> }>();
      for (const r of q.caseloads.all() as { id: string; name: string; stage: string | null; cases: number | null }[]) {
        const entry = byId.get(r.id) ?? { id: r.id, name: r.name, byStage: {} };
        if (r.stage && r.cases) entry.byStage[r.stage] = r.cases;
        byId.set(r.id, entry);
      }
      return [...byId.values()];
    },
    addSupervision: (s) => writes.run(() => void q.addSupervision.run(s)),
    lastSupervisions: async () => Object.fromEntries((q.lastSupervision.all() as { facilitatorId: string; heldOn: string }[]).map((r) => [r.facilitatorId, r.heldOn])),
  };
}
