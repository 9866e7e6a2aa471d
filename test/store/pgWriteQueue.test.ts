import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPool, type Pool } from '../../src/store/postgres/database.js';
import { createPgWriteQueue } from '../../src/store/postgres/writeQueue.js';
import { freshPgDatabase } from '../support/pgDatabase.js';

/**
 * PostgreSQL's group commit when the server aborts a batch (SQLite's single writer never deadlocks, so this
 * suite is PostgreSQL's alone): a batch chosen as a deadlock's victim is rerun whole, and its writes commit once.
 */
describe('the PostgreSQL write queue', () => {
  let db: Awaited<ReturnType<typeof freshPgDatabase>>;
  let pool: Pool;
  beforeAll(async () => {
    db = await freshPgDatabase();
    pool = await openPool(db.url, { migrate: false });
    await pool.query('CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO counters VALUES (1, 0), (2, 0)');
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('reruns a batch the server aborted in a deadlock, and the write beside it in the batch commits once too', async () => {
    const writes = createPgWriteQueue(pool);
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      // Another connection holds row 1, and will want row 2 once the batch holds it.
      await other.query('BEGIN');
      await other.query('UPDATE counters SET n = n + 100 WHERE id = 1');
      let attempts = 0;
      let holdsRow2!: () => void;
      const batchHoldsRow2 = new Promise<void>((resolve) => (holdsRow2 = resolve));
      const crossing = writes.run(async (c) => {
        attempts++;
        // The batch's side finds the deadlock first, so the server makes it the victim.
        await c.query("SET LOCAL deadlock_timeout = '100ms'");
        await c.query('UPDATE counters SET n = n + 1 WHERE id = 2');
        holdsRow2();
        await c.query('UPDATE counters SET n = n + 1 WHERE id = 1');
        return attempts;
      });
      const beside = writes.run(async (c) => (await c.query('UPDATE counters SET n = n + 10 WHERE id = 2')).rowCount);
      await batchHoldsRow2;
      const otherDone = other.query('UPDATE counters SET n = n + 100 WHERE id = 2').then(() => other.query('COMMIT'));
      expect(await crossing).toBe(2);
      expect(await beside).toBe(1);
      await otherDone;
      const rows = (await pool.query<{ id: number; n: number }>('SELECT id, n FROM counters ORDER BY id')).rows;
      expect(rows).toEqual([{ id: 1, n: 101 }, { id: 2, n: 111 }]);
    } finally {
      await other.end();
    }
  });
});
