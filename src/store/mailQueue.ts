import type { NoticeRecord, NoticeStatus, UserRecord } from './store.js';

/** What the outbox needs of a notice to send it and count its attempts. */
export type QueuedMail = Pick<NoticeRecord, 'id' | 'template' | 'attempts' | 'createdAt'>;

/**
 * A queue of notices, as the outbox works it: case notices, and account notices, each in their own table.
 * The rows are the queue, so nothing is lost across a restart, and only a notice still waiting (queued or
 * retrying) can be moved on, so a notice cancelled meanwhile stays cancelled.
 */
export interface MailQueue<N extends QueuedMail> {
  /**
   * Notices queued or retrying whose next attempt is due at `now`, oldest first, claimed for this instance.
   * Where several instances share the queue (PostgreSQL), a claimed notice is leased: no other instance is
   * given it until its outcome is recorded or the lease runs out (the instance died mid-send).
   */
  dueNotices(now: string, limit: number): Promise<N[]>;
  noticeStatus(id: string): Promise<NoticeStatus | undefined>;
  /** Sent is recorded whatever the row says now: the message has left. */
  recordSent(id: string, at: string): Promise<void>;
  recordRetry(id: string, retry: { lastError: string; nextAttemptAt: string }): Promise<boolean>;
  /**
   * Marks the notice failed. A party's failed notice also opens a task and queues, in the
   * same transaction, a `notice_undeliverable` notice to the case's facilitators; a staff notice raises neither.
   */
  recordFailure(id: string, failure: { lastError: string; at: string }): Promise<boolean>;
  /** Gives back notices claimed but not attempted (the outbox is stopping), so another instance can send them now rather than after the lease. */
  release(ids: string[]): Promise<void>;
}

export type StaffContact = Pick<UserRecord, 'id' | 'name' | 'email'>;

/** The case notices' queue, with whom a notice to supervisors goes to. */
export interface OutboxStore extends MailQueue<NoticeRecord> {
  activeSupervisors(): Promise<StaffContact[]>;
}

/** An email about an account: a set-up link for a new user, or an alert to an admin. */
export interface AccountNotice extends QueuedMail {
  userId: string;
  data: Record<string, unknown>;
}


/** An instance's two mail queues. */
export interface MailQueues {
  notices: OutboxStore;
  accounts: MailQueue<AccountNotice>;
}
