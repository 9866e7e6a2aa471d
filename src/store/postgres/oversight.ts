import { queueCounts } from '../queues.js';
import { caseQueues, type DashboardCounts, type OversightStore } from '../store.js';
import type { Pool } from './database.js';
import { all, first, named } from './query.js';
import type { PgWriteQueue } from './writeQueue.js';

/** What supervisors oversee across cases, as src/store/sqlite/oversight.ts reads it. */
export function pgOversight(pool: Pool, writes: PgWriteQueue): OversightStore {
  return {
    dashboardCounts: async (at) => {
      const counts = named(`SELECT ${caseQueues.map((name) => `(${queueCounts[name]}) AS "${name}"`).join(', ')}`, at);
      return (await first<DashboardCounts>(pool, counts.text, counts.values))!;
    },
    facilitatorCaseloads: async () => {
      const rows = await all<{ id: string; name: string; stage: string | null; cases: number | null }>(
        pool,
        `SELECT u.id, u.name, o.stage, o.cases FROM users u LEFT JOIN facilitator_open_cases o ON o.user_id = u.id AND o.cases > 0
         WHERE u.role = 'facilitator' AND u.disabled_at IS NULL ORDER BY u.name COLLATE "C", u.id`,
      );
      const byId = new Map<string, { id: string; name: string; byStage: Record<string, number> }>();
      for (const r of rows) {
        const entry = byId.get(r.id) ?? { id: r.id, name: r.name, byStage: {} };
        if (r.stage && r.cases) entry.byStage[r.stage] = r.cases;
        byId.set(r.id, entry);
      }
      return [...byId.values()];
    },
    addSupervision: (s) =>
      writes.run(async (c) => {
        await c.query('INSERT INTO supervision_sessions (id, facilitator_id, held_on, note, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)', [
          s.id, s.facilitatorId, s.heldOn, s.note, s.recordedBy, s.recordedAt,
        ]);
      }),
    lastSupervisions: async () =>
      Object.fromEntries(
        (await all<{ facilitator_id: string; held_on: string }>(pool, 'SELECT facilitator_id, max(held_on) AS held_on FROM supervision_sessions GROUP BY facilitator_id')).map((r) => [r.facilitator_id, r.held_on]),
      ),
  };
}
