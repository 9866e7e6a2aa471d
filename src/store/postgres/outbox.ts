import type { AccountNotice, MailQueue, OutboxStore, QueuedMail } from '../mailQueue.js';
import { toNotice } from '../rows.js';
import type { NoticeStatus } from '../store.js';
import type { Lease } from './claims.js';
import type { Client, Pool } from './database.js';
import { all, changed, first } from './query.js';
import { pgTaskWrites as tasks } from './tasks.js';
import type { PgWriteQueue } from './writeQueue.js';

/**
 * One notices table as the outbox's queue, shared by every instance. A due notice is claimed with a lease
 * (skipping rows another instance is claiming that moment), so each is sent by one instance; recording its
 * outcome ends the lease. An instance that dies mid-send leaves its notice to be sent again once the lease
 * runs out, with the same Message-ID: the one duplicate the outbox allows (ADR 0011).
 */
function pgMailQueue<N extends QueuedMail>(
  pool: Pool,
  writes: PgWriteQueue,
  leaseFrom: Lease,
  table: 'notices' | 'account_notices',
  order: string,
  toMail: (row: Record<string, unknown>) => N,
  onFailure: (c: Client, row: Record<string, unknown>, lastError: string, at: string) => Promise<void>,
): MailQueue<N> {
  const waiting = "status IN ('queued', 'retrying')";
  return {
    dueNotices: async (now, limit) =>
      (
        await all<Record<string, unknown>>(
          pool,
          `WITH claimed AS (
             UPDATE ${table} SET lease_until = $3 WHERE id IN (
               SELECT id FROM ${table} WHERE ${waiting} AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
               ORDER BY ${order} LIMIT $2 FOR UPDATE SKIP LOCKED)
             RETURNING *)
           SELECT * FROM claimed ORDER BY ${order}`,
          [now, limit, leaseFrom(now)],
        )
      ).map(toMail),
    noticeStatus: async (id) => (await first<{ status: NoticeStatus }>(pool, `SELECT status FROM ${table} WHERE id = $1`, [id]))?.status,
    recordSent: (id, at) =>
      writes.run(async (c) => {
        await c.query(`UPDATE ${table} SET status = 'sent', attempts = attempts + 1, sent_at = $1, next_attempt_at = NULL, lease_until = NULL WHERE id = $2 AND status <> 'sent'`, [at, id]);
      }),
    recordRetry: (id, { lastError, nextAttemptAt }) =>
      writes.run(
        async (c) =>
          (await changed(c, `UPDATE ${table} SET status = 'retrying', attempts = attempts + 1, last_error = $1, next_attempt_at = $2, lease_until = NULL WHERE id = $3 AND ${waiting}`, [
            lastError, nextAttemptAt, id,
          ])) === 1,
      ),
    recordFailure: (id, { lastError, at }) =>
      writes.run(async (c) => {
        const failed = await first<Record<string, unknown>>(
          c,
          `UPDATE ${table} SET status = 'failed', attempts = attempts + 1, last_error = $1, next_attempt_at = NULL, lease_until = NULL WHERE id = $2 AND ${waiting} RETURNING *`,
          [lastError, id],
        );
        if (!failed) return false;
        await onFailure(c, failed, lastError, at);
        return true;
      }),
    release: async (ids) => {
      await pool.query(`UPDATE ${table} SET lease_until = NULL WHERE id = ANY($1) AND ${waiting}`, [ids]);
    },
  };
}

/** Case notices: a party's that fails opens a task and tells the case's facilitators, in the same transaction. */
export function createPgOutboxStore(pool: Pool, writes: PgWriteQueue, lease: Lease): OutboxStore {
  const queue = pgMailQueue(pool, writes, lease, 'notices', 'next_attempt_at, seq, id', toNotice, async (c, row, lastError, at) => {
    const n = toNotice(row);
    await tasks.noticeFailed(c, { id: n.id, caseId: n.caseId, seq: n.seq, template: n.template, recipient: n.recipient }, lastError, at);
  });
  return {
    ...queue,
    activeSupervisors: () => all(pool, "SELECT id, name, email FROM users WHERE role = 'supervisor' AND disabled_at IS NULL ORDER BY created_at, id"),
  };
}

/** Emails about accounts: the same rules, and no tasks on failure. */
export const createPgAccountOutbox = (pool: Pool, writes: PgWriteQueue, lease: Lease): MailQueue<AccountNotice> =>
  pgMailQueue(
    pool,
    writes,
    lease,
    'account_notices',
    'next_attempt_at, id',
    (r) => ({ id: r.id as string, template: r.template as string, userId: r.user_id as string, data: JSON.parse(r.data as string), attempts: r.attempts as number, createdAt: r.created_at as string }),
    async () => {},
  );
