import { toSession, type SessionRow } from '../rows.js';
import type { SessionStore } from '../store.js';
import type { Pool } from './database.js';
import { all, first } from './query.js';
import type { PgWriteQueue } from './writeQueue.js';

/** Staff sessions, as src/store/sqlite/sessions.ts keeps them: in the database, so every instance knows every session. */
export function pgSessions(pool: Pool, writes: PgWriteQueue): SessionStore {
  const write = (sql: string, params: unknown[]) => writes.run(async (c) => void (await c.query(sql, params)));
  return {
    openStaffSession: (s) =>
      write(
        `INSERT INTO staff_sessions (token_hash, user_id, stage, user_agent, csrf_token, created_at, last_seen_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [s.tokenHash, s.userId, s.stage, s.userAgent, s.csrfToken, s.createdAt, s.lastSeenAt, s.expiresAt],
      ),
    staffSession: async (hash) => {
      const row = await first<SessionRow>(pool, 'SELECT * FROM staff_sessions WHERE token_hash = $1', [hash]);
      return row && toSession(row);
    },
    touchStaffSession: (hash, at) => write('UPDATE staff_sessions SET last_seen_at = $1 WHERE token_hash = $2 AND ended_at IS NULL', [at, hash]),
    endStaffSession: (hash, at) => write('UPDATE staff_sessions SET ended_at = $1, flash = NULL WHERE token_hash = $2 AND ended_at IS NULL', [at, hash]),
    staffSessionsOf: async (userId, now) =>
      (await all<SessionRow>(pool, 'SELECT * FROM staff_sessions WHERE user_id = $1 AND ended_at IS NULL AND expires_at > $2 ORDER BY created_at DESC', [userId, now])).map(toSession),
    endStaffSessionsOf: (userId, at, except) =>
      write('UPDATE staff_sessions SET ended_at = $1, flash = NULL WHERE user_id = $2 AND ended_at IS NULL AND token_hash IS DISTINCT FROM $3', [at, userId, except ?? null]),
    setFlash: (hash, flash) => write('UPDATE staff_sessions SET flash = $1 WHERE token_hash = $2 AND ended_at IS NULL', [JSON.stringify(flash), hash]),
    clearFlash: (hash) => write('UPDATE staff_sessions SET flash = NULL WHERE token_hash = $1 AND flash IS NOT NULL', [hash]),
  };
}
