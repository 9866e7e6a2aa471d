import type { RetentionStore } from '../store.js';
import { changed } from './query.js';
import type { PgWriteQueue } from './writeQueue.js';

/** What is kept only for a while, as src/store/sqlite/retention.ts prunes it. */
export function pgRetention(writes: PgWriteQueue): RetentionStore {
  return {
    pruneExpired: ({ keysBefore, sessionsBefore }) =>
      writes.run(async (c) => {
        const pruned = {
          idempotencyKeys: await changed(c, 'DELETE FROM idempotency_keys WHERE at < $1', [keysBefore]),
          partySessions: await changed(c, 'DELETE FROM party_sessions WHERE expires_at <= $1', [sessionsBefore]),
          // A staff session past its 12 hours is over, signed out or not: nothing in it is needed again.
          staffSessions: await changed(c, 'DELETE FROM staff_sessions WHERE expires_at <= $1', [sessionsBefore]),
        };
        // Request counts live a minute (SQLite's are in memory): a key idle since before the cut-off counts nothing now.
        await c.query('DELETE FROM rate_limits WHERE window_start < $1', [sessionsBefore]);
        return pruned;
      }),
  };
}
