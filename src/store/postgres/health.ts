import type { HealthStore } from '../store.js';
import { pgMigrationFiles, type Pool } from './database.js';
import { all, changed, first } from './query.js';
import type { PgWriteQueue } from './writeQueue.js';

/** What /healthz and /readyz ask of the database. */
export function pgHealth(pool: Pool, writes: PgWriteQueue): HealthStore {
  return {
    ping: async () => (await first(pool, 'SELECT 1 AS ok')) !== undefined,
    writable: (at) =>
      writes.run(async (c) => (await changed(c, 'INSERT INTO readiness_probe (id, checked_at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at', [at])) === 1),
    pendingMigrations: async () => {
      const applied = new Set((await all<{ name: string }>(pool, 'SELECT name FROM schema_migrations')).map((r) => r.name));
      return pgMigrationFiles().map((m) => m.name).filter((name) => !applied.has(name));
    },
    noticesWaitingSince: async (before) =>
      (await first<{ n: number }>(
        pool,
        `SELECT (SELECT count(*) FROM notices WHERE status IN ('queued', 'retrying') AND next_attempt_at <= $1)
              + (SELECT count(*) FROM account_notices WHERE status IN ('queued', 'retrying') AND next_attempt_at <= $1) AS n`,
        [before],
      ))!.n,
  };
}
