import type { Client, Pool } from './database.js';

/**
 * Group commit for PostgreSQL, as src/store/writeQueue.ts is for SQLite: the writes that arrive while a
 * batch commits share the next transaction (one WAL flush, one synchronous standby round trip). Each runs
 * in its own savepoint, so one failure undoes only its own writes. An instance has one batch in flight at a
 * time, on one connection; reads use the rest of the pool.
 *
 * A batch that appends to the history takes the chain head's lock first, before any case row: every
 * chain writer on every instance takes its locks in that order, so they cannot deadlock on each other.
 * The batch reads the head with its lock, carries it from one write to the next (`ChainTip`), and stores
 * it once before it commits: the head's row is read and written once a batch, not once an event.
 * A batch the server still aborts (a deadlock with some other write, a serialization failure) is rerun
 * whole: every write reads what it needs inside the transaction, so running it again is safe.
 */
export interface PgWriteQueue {
  run<T>(write: (client: Client) => Promise<T>): Promise<T>;
  /** A write that appends to the history: `tip` is the chain's last row as this batch has it so far. */
  run<T>(write: (client: Client, tip: ChainTip) => Promise<T>, options: { chain: true }): Promise<T>;
  /** Resolves once every write queued so far has committed or failed. */
  drain(): Promise<void>;
}

/** The chain's last row inside a batch: a write that appends moves it on (src/store/postgres/history.ts). */
export interface ChainTip {
  seq: number;
  hash: string;
}

interface Waiting {
  write: (client: Client, tip: ChainTip) => Promise<unknown>;
  chain: boolean;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Deadlock detected, serialization failure: the server undid the transaction, and running it again may succeed. */
const retryable = (error: unknown) => ['40P01', '40001'].includes((error as { code?: string })?.code ?? '');
const attempts = 5;

export function createPgWriteQueue(pool: Pool): PgWriteQueue {
  const waiting: Waiting[] = [];
  let running: Promise<void> | undefined;

  async function commitBatch(client: Client, batch: Waiting[]): Promise<Outcome[]> {
    await client.query('BEGIN');
    try {
      const chained = batch.some((w) => w.chain);
      const head = chained ? (await client.query<ChainTip>('SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE')).rows[0]! : { seq: 0, hash: '' };
      const tip = { ...head };
      const outcomes: Outcome[] = [];
      for (const [i, item] of batch.entries()) {
        // One round trip a write: the last one's savepoint released as the next is set (COMMIT releases the last).
        await client.query(i === 0 ? 'SAVEPOINT write' : 'RELEASE SAVEPOINT write; SAVEPOINT write');
        const before = { ...tip };
        try {
          outcomes.push({ ok: true, value: await item.write(client, tip) });
        } catch (error) {
          if (retryable(error)) throw error;
          await client.query('ROLLBACK TO SAVEPOINT write');
          Object.assign(tip, before);
          outcomes.push({ ok: false, error });
        }
      }
      if (tip.seq !== head.seq) await client.query('UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1', [tip.seq, tip.hash]);
      await client.query('COMMIT');
      return outcomes;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }

  async function runBatches(): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting.splice(0);
      let client: Client | undefined;
      let failed: Error | undefined;
      try {
        client = await pool.connect();
        for (let attempt = 1; ; attempt++) {
          try {
            const outcomes = await commitBatch(client, batch);
            batch.forEach((item, i) => {
              const o = outcomes[i]!;
              if (o.ok) item.resolve(o.value);
              else item.reject(o.error);
            });
            break;
          } catch (error) {
            if (!retryable(error) || attempt === attempts) throw error;
          }
        }
      } catch (error) {
        failed = error as Error;
        for (const item of batch) item.reject(error);
      } finally {
        // A connection that failed a batch whole is not trusted with the next: the pool opens a fresh one.
        client?.release(failed);
      }
    }
  }

  const start = (): Promise<void> =>
    (running ??= runBatches().finally(() => {
      running = undefined;
      // A write queued after the loop's last look, before this ran.
      if (waiting.length > 0) void start();
    }));

  return {
    run: <T>(write: (client: Client, tip: ChainTip) => Promise<T>, options?: { chain: true }) =>
      new Promise<T>((resolve, reject) => {
        waiting.push({ write, chain: options?.chain ?? false, resolve: resolve as (v: unknown) => void, reject });
        // Let the writes of this turn of the event loop join the batch before it starts.
        if (!running) setImmediate(start);
      }),
    drain: async () => {
      while (running || waiting.length > 0) await (running ?? start());
    },
  };
}
