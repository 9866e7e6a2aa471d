import type { Db } from '../database.js';
import type { NoticeStatus } from '../store.js';
import { writeQueueFor } from '../writeQueue.js';
import type { AccountNotice, MailQueue } from '../mailQueue.js';

interface Row {
  id: string;
  template: string;
  user_id: string;
  data: string;
  attempts: number;
  created_at: string;
}

/** The account_notices table as the outbox's queue: the same rules as case notices, and no tasks on failure. */
export function createSqliteAccountOutbox(db: Db): MailQueue<AccountNotice> {
  const q = {
    due: db.prepare("SELECT * FROM account_notices WHERE status IN ('queued', 'retrying') AND next_attempt_at <= ? ORDER BY next_attempt_at, rowid LIMIT ?"),
    status: db.prepare('SELECT status FROM account_notices WHERE id = ?').pluck(),
    sent: db.prepare("UPDATE account_notices SET status = 'sent', attempts = attempts + 1, sent_at = ?, next_attempt_at = NULL WHERE id = ? AND status <> 'sent'"),
    retry: db.prepare("UPDATE account_notices SET status = 'retrying', attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ? AND status IN ('queued', 'retrying')"),
    fail: db.prepare("UPDATE account_notices SET status = 'failed', attempts = attempts + 1, last_error = ?, next_attempt_at = NULL WHERE id = ? AND status IN ('queued', 'retrying')"),
  };
  const writes = writeQueueFor(db);
  return {
    dueNotices: async (now, limit) =>
      (q.due.all(now, limit) as Row[]).map((r) => ({ id: r.id, template: r.template, userId: r.user_id, data: JSON.parse(r.data) as Record<string, unknown>, attempts: r.attempts, createdAt: r.created_at })),
    noticeStatus: async (id) => q.status.get(id) as NoticeStatus | undefined,
    recordSent: (id, at) => writes.run(() => void q.sent.run(at, id)),
    recordRetry: (id, { lastError, nextAttemptAt }) => writes.run(() => q.retry.run(lastError, nextAttemptAt, id).changes === 1),
    recordFailure: (id, { lastError }) => writes.run(() => q.fail.run(lastError, id).changes === 1),
    // One process has the file, so nothing is claimed and there is nothing to give back.
    release: async () => {},
  };
}
