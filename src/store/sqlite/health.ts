import { migrationFiles, type Db } from '../database.js';
import type { HealthStore } from '../store.js';
import type { WriteQueue } from '../writeQueue.js';

/** What /healthz and /readyz ask of the database. */
export function sqliteHealth(db: Db, writes: WriteQueue): HealthStore {
  const q = {
    countUsers: db.prepare('SELECT count(*) FROM users').pluck(),
    probe: db.prepare('INSERT INTO readiness_probe (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at'),
    applied: db.prepare('SELECT name FROM schema_migrations').pluck(),
    // The partial index notices_due holds exactly the rows waiting to be sent.
    waiting: db.prepare(
      `SELECT (SELECT count(*) FROM notices WHERE status IN ('queued', 'retrying') AND next_attempt_at <= @before)
            + (SELECT count(*) FROM account_notices WHERE status IN ('queued', 'retrying') AND next_attempt_at <= @before)`,
    ).pluck(),
  };
  return {
    ping: async () => q.countUsers.get() !== undefined,
    writable: (at) => writes.run(() => q.probe.run(at).changes === 1),
    pendingMigrations: async () => {
      const applied = new Set(q.applied.all() as string[]);
      return migrationFiles().map((m) => m.name).filter((name) => !applied.has(name));
    },
    noticesWaitingSince: async (before) => q.waiting.get({ before }) as number,
  };
}
