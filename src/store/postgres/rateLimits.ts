import type { RateLimitStore } from '../store.js';
import type { Pool } from './database.js';
import { first } from './query.js';

/**
 * Request counts in the shared rate_limits table, one row per key, counted in one upsert so instances
 * counting at once all count. The table is unlogged (migration 20261212_0900): a count is not worth a
 * WAL flush, and a crash or failover that forgets the current minute's counts is harmless.
 */
export function pgRateLimits(pool: Pool): RateLimitStore {
  return {
    countRequest: async (key, windowStart) =>
      (await first<{ hits: number }>(
        pool,
        `INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
           hits = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.hits + 1 ELSE 1 END,
           window_start = excluded.window_start
         RETURNING hits`,
        [key, windowStart],
      ))!.hits,
    uncountRequest: async (key, windowStart) => {
      await pool.query('UPDATE rate_limits SET hits = hits - 1 WHERE key = $1 AND window_start = $2 AND hits > 0', [key, windowStart]);
    },
    resetRequests: async (key) => {
      await pool.query('DELETE FROM rate_limits WHERE key = $1', [key]);
    },
  };
}
