import type { Clock } from './cases/caseEngine.js';
import type { Logger } from './logger.js';
import { periodicTask } from './periodicTask.js';
import type { Store } from './store/store.js';

/** How long a sender can retry a request with the same Idempotency-Key and get the first answer back. */
const idempotencyKeyRetentionMs = 24 * 60 * 60 * 1000;
const intervalMs = 60 * 60 * 1000;

/**
 * Deletes what is only kept for a while: idempotency rows (each holds a copy
 * of the case's state) after a day, and party and staff sessions once expired.
 */
export function createRetention({ store, clock, logger }: { store: Store; clock: Clock; logger: Logger }) {
  async function sweepOnce() {
    const now = clock();
    const removed = await store.pruneExpired({
      keysBefore: new Date(now.getTime() - idempotencyKeyRetentionMs).toISOString(),
      sessionsBefore: now.toISOString(),
    });
    if (removed.idempotencyKeys || removed.partySessions || removed.staffSessions) logger.info(removed, 'expired rows deleted');
    return removed;
  }
  const task = periodicTask(sweepOnce, { intervalMs, logger, name: 'retention sweep' });
  return { sweep: task.once, start: task.start, stop: task.stop };
}
