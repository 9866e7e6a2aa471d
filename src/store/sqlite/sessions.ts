import type { Db } from '../database.js';
import { toSession, type SessionRow } from '../rows.js';
import type { SessionStore } from '../store.js';
import type { WriteQueue } from '../writeQueue.js';

/** Staff sessions: one row per sign-in, ended at sign-out or by its timeouts. */
export function sqliteSessions(db: Db, writes: WriteQueue): SessionStore {
  const q = {
    insert: db.prepare(
      `INSERT INTO staff_sessions (token_hash, user_id, stage, user_agent, csrf_token, created_at, last_seen_at, expires_at)
       VALUES (@tokenHash, @userId, @stage, @userAgent, @csrfToken, @createdAt, @lastSeenAt, @expiresAt)`,
    ),
    byHash: db.prepare('SELECT * FROM staff_sessions WHERE token_hash = ?'),
    touch: db.prepare('UPDATE staff_sessions SET last_seen_at = ? WHERE token_hash = ? AND ended_at IS NULL'),
    end: db.prepare('UPDATE staff_sessions SET ended_at = ?, flash = NULL WHERE token_hash = ? AND ended_at IS NULL'),
    setFlash: db.prepare('UPDATE staff_sessions SET flash = ? WHERE token_hash = ? AND ended_at IS NULL'),
    clearFlash: db.prepare('UPDATE staff_sessions SET flash = NULL WHERE token_hash = ? AND flash IS NOT NULL'),
    ofUser: db.prepare('SELECT * FROM staff_sessions WHERE user_id = ? AND ended_at IS NULL AND expires_at > ? ORDER BY created_at DESC'),
    endOfUser: db.prepare('UPDATE staff_sessions SET ended_at = ?, flash = NULL WHERE user_id = ? AND ended_at IS NULL AND token_hash IS NOT ?'),
  };
  return {
    openStaffSession: (s) => writes.run(() => void q.insert.run(s)),
    staffSession: async (hash) => {
      const row = q.byHash.get(hash) as SessionRow | undefined;
      return row && toSession(row);
    },
    touchStaffSession: (hash, at) => writes.run(() => void q.touch.run(at, hash)),
    endStaffSession: (hash, at) => writes.run(() => void q.end.run(at, hash)),
    staffSessionsOf: async (userId, now) => (q.ofUser.all(userId, now) as SessionRow[]).map(toSession),
    endStaffSessionsOf: (userId, at, except) => writes.run(() => void q.endOfUser.run(at, userId, except ?? null)),
    setFlash: (hash, flash) => writes.run(() => void q.setFlash.run(JSON.stringify(flash), hash)),
    clearFlash: (hash) => writes.run(() => void q.clearFlash.run(hash)),
  };
}
