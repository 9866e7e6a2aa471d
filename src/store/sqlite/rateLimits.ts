import type { RateLimitStore } from '../store.js';

/**
 * Request counts for the one process a SQLite file allows (src/store/instanceLock.ts): held in memory,
 * as no other instance needs them and a request should not cost a write. Only each key's current window is kept.
 */
export function sqliteRateLimits(): RateLimitStore {
  const counts = new Map<string, { windowStart: string; hits: number }>();
  return {
    countRequest: async (key, windowStart) => {
      const now = counts.get(key);
      const hits = now?.windowStart === windowStart ? now.hits + 1 : 1;
      counts.set(key, { windowStart, hits });
      return hits;
    },
    uncountRequest: async (key, windowStart) => {
      const now = counts.get(key);
      if (now?.windowStart === windowStart && now.hits > 0) now.hits--;
    },
    resetRequests: async (key) => void counts.delete(key),
  };
}
