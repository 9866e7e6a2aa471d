import type { Db } from '../database.js';
import type { OutboxStore, StaffContact } from '../mailQueue.js';
import type { NoticeStatus } from '../store.js';
import { writeQueueFor } from '../writeQueue.js';
import { toNotice } from '../rows.js';
import { taskWrites } from './tasks.js';

/** The notices table as the outbox's queue. One process has the file (src/store/instanceLock.ts), so a due notice needs no claim. */
export function createSqliteOutboxStore(db: Db): OutboxStore {
  const q = {
    due: db.prepare(
      `SELECT * FROM notices WHERE status IN ('queued', 'retrying') AND next_attempt_at <= ?
       ORDER BY next_attempt_at, rowid LIMIT ?`,
    ),
    status: db.prepare('SELECT status FROM notices WHERE id = ?').pluck(),
    sent: db.prepare(
      "UPDATE notices SET status = 'sent', attempts = attempts + 1, sent_at = ?, next_attempt_at = NULL WHERE id = ? AND status <> 'sent'",
    ),
    retry: db.prepare(
      `UPDATE notices SET status = 'retrying', attempts = attempts + 1, last_error = ?, next_attempt_at = ?
       WHERE id = ? AND status IN ('queued', 'retrying')`,
    ),
    fail: db.prepare(
      `UPDATE notices SET status = 'failed', attempts = attempts + 1, last_error = ?, next_attempt_at = NULL
       WHERE id = ? AND status IN ('queued', 'retrying')
       RETURNING case_id, seq, template, recipient`,
    ),
    supervisors: db.prepare("SELECT id, name, email FROM users WHERE role = 'supervisor' AND disabled_at IS NULL ORDER BY created_at, id"),
  };

  const writes = writeQueueFor(db);
  const tasks = taskWrites(db);

  const recordFailure = (id: string, lastError: string, at: string): boolean => {
    const failed = q.fail.get(lastError, id) as { case_id: string; seq: number; template: string; recipient: string } | undefined;
    if (!failed) return false;
    tasks.noticeFailed({ id, caseId: failed.case_id, seq: failed.seq, template: failed.template, recipient: failed.recipient }, lastError, at);
    return true;
  };

  return {
    dueNotices: async (now, limit) => (q.due.all(now, limit) as Record<string, unknown>[]).map(toNotice),
    noticeStatus: async (id) => q.status.get(id) as NoticeStatus | undefined,
    recordSent: (id, at) => writes.run(() => void q.sent.run(at, id)),
    recordRetry: (id, { lastError, nextAttemptAt }) => writes.run(() => q.retry.run(lastError, nextAttemptAt, id).changes === 1),
    recordFailure: (id, { lastError, at }) => writes.run(() => recordFailure(id, lastError, at)),
    activeSupervisors: async () => q.supervisors.all() as StaffContact[],
    // One process has the file, so nothing is claimed and there is nothing to give back.
    release: async () => {},
  };
}
