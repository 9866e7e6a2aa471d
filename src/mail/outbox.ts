import type { Clock } from '../cases/caseEngine.js';
import type { Logger } from '../logger.js';
import { periodicTask } from '../periodicTask.js';
import type { SendMailOptions } from 'nodemailer';
import type { MailQueue, QueuedMail } from '../store/mailQueue.js';
import { afterFailure } from './deliveryPolicy.js';
import { smtpConnections, type MailTransport } from './transport.js';

export interface OutboxDeps<N extends QueuedMail> {
  outboxStore: MailQueue<N>;
  transport: MailTransport;
  compose: (notice: N) => Promise<SendMailOptions>;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
}

/**
 * Notices read (on PostgreSQL, claimed) from the queue at a time, sent one per pooled connection: four
 * rounds of the connections, so even at the SMTP timeouts a batch is done well within a claim's lease.
 */
const batch = 4 * smtpConnections;

export interface DeliveryCounts {
  sent: number;
  retried: number;
  failed: number;
}

type Outcome = 'sent' | 'retrying' | 'failed' | 'skipped';

/**
 * Sends the notices the engine queued. The notice rows are the queue: each
 * attempt's outcome is recorded through the connection's write queue, a notice is
 * re-read just before it is sent so one cancelled meanwhile never goes, and
 * within this process a notice is attempted by one pass at a time, once per pass.
 */
export function createOutbox<N extends QueuedMail>(deps: OutboxDeps<N>) {
  const { outboxStore, transport, compose, clock, logger, intervalMs } = deps;
  let stopping = false;
  // Sent, but the database refused the record (locked, disk full): kept here, retried
  // each pass, and never sent again by this process.
  const sentNotRecorded = new Map<string, string>();

  async function recordSent(id: string, at: string) {
    try {
      await outboxStore.recordSent(id, at);
      sentNotRecorded.delete(id);
    } catch (err) {
      sentNotRecorded.set(id, at);
      logger.error({ err, noticeId: id }, 'notice sent but not yet recorded; it will not be sent again');
    }
  }

  const recordSentBefore = async () => {
    for (const [id, at] of sentNotRecorded) await recordSent(id, at);
  };

  async function attempt(notice: N): Promise<Outcome> {
    const attempts = notice.attempts + 1;
    const log = { noticeId: notice.id, template: notice.template, attempt: attempts };
    try {
      const message = await compose(notice);
      const status = await outboxStore.noticeStatus(notice.id);
      if (status !== 'queued' && status !== 'retrying') {
        logger.info({ ...log, status }, 'notice no longer waiting; not sent');
        return 'skipped';
      }
      await transport.sendMail(message);
    } catch (err) {
      const next = afterFailure(err, attempts, notice.createdAt, clock(), Math.random);
      const recorded =
        next.status === 'retrying'
          ? await outboxStore.recordRetry(notice.id, { lastError: next.lastError, nextAttemptAt: next.nextAttemptAt })
          : await outboxStore.recordFailure(notice.id, { lastError: next.lastError, at: clock().toISOString() });
      logger.warn({ ...log, status: recorded ? next.status : 'cancelled', responseCode: next.responseCode }, 'notice not sent');
      return recorded ? next.status : 'skipped';
    }
    // Outside the try: a message that has left must never be recorded as a failure.
    await recordSent(notice.id, clock().toISOString());
    logger.info({ ...log, status: 'sent' }, 'notice sent');
    return 'sent';
  }

  /** Batch by batch, each sent one per SMTP connection; a batch is done before the next is read, so none is in flight then. */
  async function pass(): Promise<DeliveryCounts> {
    const counts: DeliveryCounts = { sent: 0, retried: 0, failed: 0 };
    await recordSentBefore();
    // Rows whose retry or failure could not be recorded stay due; they wait for the next pass rather than loop this one.
    const taken = new Set<string>();
    while (!stopping) {
      const due = (await outboxStore.dueNotices(clock().toISOString(), batch)).filter((n) => !taken.has(n.id) && !sentNotRecorded.has(n.id));
      if (due.length === 0) break;
      for (const n of due) taken.add(n.id);
      const worker = async () => {
        // Stopping is checked before a notice is taken, so every notice taken is attempted and the rest can be given back.
        for (let notice = stopping ? undefined : due.shift(); notice; notice = stopping ? undefined : due.shift()) {
          try {
            const outcome = await attempt(notice);
            if (outcome === 'sent') counts.sent++;
            else if (outcome === 'retrying') counts.retried++;
            else if (outcome === 'failed') counts.failed++;
          } catch (err) {
            logger.error({ err, noticeId: notice.id }, 'could not record the outcome of a notice');
          }
        }
      };
      await Promise.all(Array.from({ length: smtpConnections }, worker));
      // Stopping with notices claimed but not attempted: another instance may send them now.
      if (due.length > 0) await outboxStore.release(due.map((n) => n.id));
    }
    return counts;
  }

  // One pass at a time: a call during a pass waits for it.
  const task = periodicTask(pass, { intervalMs, logger, name: 'outbox pass' });

  return {
    /** One pass over the notices due now. */
    deliverDue: (): Promise<DeliveryCounts> => (stopping ? Promise.resolve({ sent: 0, retried: 0, failed: 0 }) : task.once()),
    start: task.start,
    /** Takes no new work, waits until the sends in flight are recorded, then closes the transport's connections. */
    async stop() {
      stopping = true;
      await task.stop();
      await recordSentBefore();
      if (sentNotRecorded.size > 0) {
        logger.error({ noticeIds: [...sentNotRecorded.keys()] }, 'stopping with sent notices not recorded; a restart will send them again');
      }
      transport.close();
    },
  };
}
