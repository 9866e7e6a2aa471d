import type { AccessFailure, AccessGuardStore, AccountNoticeRecord } from '../store.js';
import type { Client, Pool } from './database.js';
import { all, changed, first } from './query.js';
import type { PgWriteQueue } from './writeQueue.js';

/** Failed attempts at a credential, their back-off and alerts, as src/store/sqlite/accessGuard.ts keeps them. */
export function pgAccessGuard(pool: Pool, writes: PgWriteQueue): AccessGuardStore {
  const queueNotice = (c: Client, n: AccountNoticeRecord) =>
    c.query(
      `INSERT INTO account_notices (id, template, user_id, data, status, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'queued', $5, $5)`,
      [n.id, n.template, n.userId, JSON.stringify(n.data), n.createdAt],
    );
  return {
    recordFailedAccess: (failure, counts, resetBefore) =>
      writes.run(async (c) => {
        await c.query('INSERT INTO access_failures (at, kind, user_id, ip) VALUES ($1, $2, $3, $4)', [failure.at, failure.kind, failure.userId, failure.ip]);
        for (const { key, blockFor } of counts) {
          // Counted in one statement, so failures two instances record at once against one key both count.
          const { failures } = (await first<{ failures: number }>(
            c,
            `INSERT INTO throttles (key, failures, last_failure_at) VALUES ($1, 1, $2)
             ON CONFLICT (key) DO UPDATE SET last_failure_at = excluded.last_failure_at,
               failures = CASE WHEN throttles.last_failure_at >= $3 THEN throttles.failures + 1 ELSE 1 END
             RETURNING failures`,
            [key, failure.at, resetBefore],
          ))!;
          const ms = blockFor(failures);
          await c.query('UPDATE throttles SET blocked_until = $1 WHERE key = $2', [ms > 0 ? new Date(Date.parse(failure.at) + ms).toISOString() : null, key]);
        }
      }),
    accessFailuresSince: async (at) => (await first<{ n: number }>(pool, 'SELECT count(*) AS n FROM access_failures WHERE at >= $1', [at]))!.n,
    recentAccessFailures: (limit) => all<AccessFailure>(pool, 'SELECT at, kind, user_id AS "userId", ip FROM access_failures ORDER BY id DESC LIMIT $1', [limit]),
    blockedUntil: async (keys, now) =>
      (await first<{ until: string | null }>(pool, 'SELECT max(blocked_until) AS until FROM throttles WHERE key = ANY($1) AND blocked_until > $2', [keys, now]))?.until ?? undefined,
    clearThrottle: (key) => writes.run(async (c) => void (await c.query('DELETE FROM throttles WHERE key = $1', [key]))),
    raiseAlert: (kind, at, notBefore, notices) =>
      writes.run(async (c) => {
        const claimed = await changed(
          c,
          `INSERT INTO security_alerts (kind, last_sent_at) VALUES ($1, $2)
           ON CONFLICT (kind) DO UPDATE SET last_sent_at = excluded.last_sent_at WHERE security_alerts.last_sent_at < $3`,
          [kind, at, notBefore],
        );
        if (claimed !== 1) return false;
        for (const n of notices) await queueNotice(c, n);
        return true;
      }),
    queueAccountNotice: (n) => writes.run(async (c) => void (await queueNotice(c, n))),
  };
}
