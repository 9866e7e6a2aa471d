import type { Db } from '../database.js';
import type { AccessFailure, AccessGuardStore, AccountNoticeRecord } from '../store.js';
import type { WriteQueue } from '../writeQueue.js';

interface ThrottleRow {
  failures: number;
  last_failure_at: string;
}

/** Failed attempts at a credential: their audit, the back-off they earn, the alert on a burst, and account emails. */
export function sqliteAccessGuard(db: Db, writes: WriteQueue): AccessGuardStore {
  const q = {
    failure: db.prepare('INSERT INTO access_failures (at, kind, user_id, ip) VALUES (@at, @kind, @userId, @ip)'),
    since: db.prepare('SELECT count(*) FROM access_failures WHERE at >= ?').pluck(),
    recent: db.prepare('SELECT at, kind, user_id AS userId, ip FROM access_failures ORDER BY id DESC LIMIT ?'),
    throttle: db.prepare('SELECT failures, last_failure_at FROM throttles WHERE key = ?'),
    blocked: db.prepare('SELECT blocked_until FROM throttles WHERE key = ? AND blocked_until > ?').pluck(),
    saveThrottle: db.prepare(
      `INSERT INTO throttles (key, failures, last_failure_at, blocked_until) VALUES (@key, @failures, @at, @blockedUntil)
       ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, blocked_until = excluded.blocked_until`,
    ),
    clearThrottle: db.prepare('DELETE FROM throttles WHERE key = ?'),
    claimAlert: db.prepare(
      `INSERT INTO security_alerts (kind, last_sent_at) VALUES (@kind, @at)
       ON CONFLICT (kind) DO UPDATE SET last_sent_at = excluded.last_sent_at WHERE last_sent_at < @notBefore`,
    ),
    queueNotice: db.prepare(
      `INSERT INTO account_notices (id, template, user_id, data, status, next_attempt_at, created_at)
       VALUES (@id, @template, @userId, @data, 'queued', @createdAt, @createdAt)`,
    ),
  };
  const queueNotice = (n: AccountNoticeRecord) => q.queueNotice.run({ ...n, data: JSON.stringify(n.data) });
  return {
    recordFailedAccess: (failure, counts, resetBefore) =>
      writes.run(() => {
        q.failure.run(failure);
        for (const { key, blockFor } of counts) {
          const row = q.throttle.get(key) as ThrottleRow | undefined;
          const failures = (row && row.last_failure_at >= resetBefore ? row.failures : 0) + 1;
          const ms = blockFor(failures);
          q.saveThrottle.run({ key, failures, at: failure.at, blockedUntil: ms > 0 ? new Date(Date.parse(failure.at) + ms).toISOString() : null });
        }
      }),
    accessFailuresSince: async (at) => q.since.get(at) as number,
    recentAccessFailures: async (limit) => q.recent.all(limit) as AccessFailure[],
    blockedUntil: async (keys, now) =>
      keys
        .map((key) => q.blocked.get(key, now) as string | undefined)
        .filter((t): t is string => t !== undefined)
        .sort()
        .at(-1),
    clearThrottle: (key) => writes.run(() => void q.clearThrottle.run(key)),
    raiseAlert: (kind, at, notBefore, notices) =>
      writes.run(() => {
        if (q.claimAlert.run({ kind, at, notBefore }).changes !== 1) return false;
        for (const n of notices) queueNotice(n);
        return true;
      }),
    queueAccountNotice: (n) => writes.run(() => void queueNotice(n)),
  };
}
