import type { Client, Pool } from './database.js';

/** The pool for reads, or the write queue's connection inside a batch. */
export type Db = Pool | Client;

export const all = async <T>(db: Db, sql: string, params: unknown[] = []): Promise<T[]> => (await db.query(sql, params)).rows as T[];
export const first = async <T>(db: Db, sql: string, params: unknown[] = []): Promise<T | undefined> => (await db.query(sql, params)).rows[0] as T | undefined;
/** How many rows the statement changed. */
export const changed = async (db: Db, sql: string, params: unknown[] = []): Promise<number> => (await db.query(sql, params)).rowCount ?? 0;
/** `$1, $2, …` from `$from` on, for an IN list of n values. */
export const places = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `$${i + from}`).join(', ');

/** SQL written with SQLite's `@name` parameters (src/store/queues.ts), as PostgreSQL's `$n` and their values. */
export function named(sql: string, values: Record<string, unknown>): { text: string; values: unknown[] } {
  const order: string[] = [];
  const text = sql.replace(/@(\w+)/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`no value for @${name}`);
    const at = order.indexOf(name);
    return `$${at >= 0 ? at + 1 : order.push(name)}`;
  });
  return { text, values: order.map((name) => values[name]) };
}
