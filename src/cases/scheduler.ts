import type { Logger } from '../logger.js';
import { periodicTask } from '../periodicTask.js';
import type { CaseStore } from '../store/store.js';
import type { CaseEngine, Clock } from './caseEngine.js';

/**
 * Fires due timers as system events. Timers are rows, so whatever fell due
 * while the app was down fires on the first sweep after start. A sweep reads
 * only due rows (a partial index on pending due_at), so its cost follows the
 * number due, not the number pending.
 */
export function createScheduler(deps: { store: Pick<CaseStore, 'dueTimers'>; engine: CaseEngine; clock: Clock; logger: Logger; intervalMs: number; batch?: number }) {
  const { store, engine, clock, logger, intervalMs, batch = 200 } = deps;

  async function sweepOnce(): Promise<number> {
    let fired = 0;
    for (;;) {
      const due = await store.dueTimers(clock().toISOString(), batch);
      // Fired together, so they share group commits; timers of one case still apply in due order,
      // as the queued writes run one after another inside the transaction.
      const results = await Promise.all(due.map((timer) => engine.fireTimer(timer)));
      results.forEach((result, i) => {
        if (result.kind === 'ok') fired++;
        else logger.info({ timerId: due[i]!.id, outcome: result.kind }, 'timer no longer applies; voided');
      });
      if (due.length < batch) return fired;
    }
  }

  const task = periodicTask(sweepOnce, { intervalMs, logger, name: 'timer sweep' });
  // One sweep at a time; a call during a sweep waits for it.
  return { sweep: task.once, start: task.start, stop: task.stop };
}
