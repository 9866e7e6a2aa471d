import type { Db } from './database.js';

/**
 * Group commit: writes that arrive in the same turn of the event loop share
 * one IMMEDIATE transaction (one fsync). Each runs in its own savepoint, so
 * one failure rolls back only its own writes (unless it ends the transaction,
 * which refuses the whole batch), and each caller is answered only after the
 * shared commit is durable.
 */
export interface WriteQueue {
  run<T>(write: () => T): Promise<T>;
  /** Commits what is waiting now, without waiting for the next turn (before closing). */
  flush(): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

// One queue per connection, so every module writing through it shares the same commits.
const queues = new WeakMap<Db, WriteQueue>();

export function writeQueueFor(db: Db): WriteQueue {
  let queue = queues.get(db);
  if (!queue) queues.set(db, (queue = createWriteQueue(db)));
  return queue;
}

function createWriteQueue(db: Db): WriteQueue {
  const waiting: { write: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  // Called inside the batch's transaction, better-sqlite3 runs it as a savepoint.
  const inSavepoint = db.transaction((write: () => unknown) => write());

  const commitBatch = db.transaction((batch: { write: () => unknown }[], outcomes: Outcome[]) => {
    for (const item of batch) {
      try {
        outcomes.push({ ok: true, value: inSavepoint(item.write) });
      } catch (error) {
        // Some errors (disk full, I/O, RAISE(ROLLBACK)) end the whole transaction: then every write in it is undone.
        if (!db.inTransaction) throw error;
        outcomes.push({ ok: false, error });
      }
    }
  });

  const flush = () => {
    const batch = waiting.splice(0);
    if (batch.length === 0) return;
    const outcomes: Outcome[] = [];
    try {
      commitBatch.immediate(batch, outcomes);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const o = outcomes[i]!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.error);
    });
  };

  return {
    run: <T>(write: () => T) =>
      new Promise<T>((resolve, reject) => {
        if (waiting.push({ write, resolve: resolve as (v: unknown) => void, reject }) === 1) setImmediate(flush);
      }),
    flush,
  };
}
