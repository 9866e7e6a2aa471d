import type { Db } from '../database.js';
import type { RetentionStore } from '../store.js';
import type { WriteQueue } from '../writeQueue.js';

/** What is kept only for a while: idempotency rows, party sessions and staff sessions. */
export function sqliteRetention(db: Db, writes: WriteQueue): RetentionStore {
  const q = {
    // Rows are appended as time goes on, so the first young row bounds the delete; the cost follows the rows removed.
    pruneIdempotency: db.prepare(
      `DELETE FROM idempotency_keys
       WHERE id < coalesce((SELECT id FROM idempotency_keys WHERE at >= ? ORDER BY id LIMIT 1), (SELECT max(id) + 1 FROM idempotency_keys))`,
    ),
    pruneSessions: db.prepare('DELETE FROM party_sessions WHERE expires_at <= ?'),
    // A staff session past its 12 hours is over, signed out or not: nothing in it is needed again.
    pruneStaffSessions: db.prepare('DELETE FROM staff_sessions WHERE expires_at <= ?'),
  };
  return {
    pruneExpired: ({ keysBefore, sessionsBefore }) =>
      writes.run(() => ({
        idempotencyKeys: q.pruneIdempotency.run(keysBefore).changes,
        partySessions: q.pruneSessions.run(sessionsBefore).changes,
        staffSessions: q.pruneStaffSessions.run(sessionsBefore).changes,
      })),
  };
}
