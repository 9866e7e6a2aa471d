import Database from 'better-sqlite3';
import pg from 'pg';
import { pgTypes } from '../../src/store/postgres/database.js';
import type { TestApp } from './harness.js';

/** Statements with `?` placeholders on both stores; integers come back as numbers on both. */
export interface RawDatabase {
  store: 'sqlite' | 'postgres';
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a statement (or, without parameters, several); answers the rows it changed. */
  run(sql: string, params?: unknown[]): Promise<number>;
  close(): Promise<void>;
}

/** `?` placeholders as PostgreSQL numbers them. */
export const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

/**
 * The database an app under test runs on, opened beside it on one connection of its own: for the few tests that
 * read a row no interface shows (a settled timer, a stored key), or change one on purpose (an unapplied migration,
 * a held lock), on whichever store the suite's project runs.
 */
export function rawDatabase(app: Pick<TestApp, 'dbPath' | 'services'>, options: { readonly?: boolean } = {}): RawDatabase {
  const url = app.services.config.databaseUrl;
  if (!url) {
    const db = new Database(app.dbPath, { fileMustExist: true, readonly: options.readonly ?? false });
    return {
      store: 'sqlite',
      all: async <T>(sql: string, params: unknown[] = []) => db.prepare(sql).all(...params) as T[],
      run: async (sql, params) => (params ? db.prepare(sql).run(...params).changes : (db.exec(sql), 0)),
      close: async () => void db.close(),
    };
  }
  const client = new pg.Client({ connectionString: url, types: pgTypes });
  const connected = client.connect();
  return {
    store: 'postgres',
    all: async <T>(sql: string, params: unknown[] = []) => (await connected, (await client.query(numbered(sql), params)).rows as T[]),
    run: async (sql, params) => (await connected, (await client.query(params ? numbered(sql) : sql, params)).rowCount ?? 0),
    close: async () => {
      await connected;
      await client.end();
    },
  };
}

/** How many rows a table of the app's database holds. */
export async function countRows(app: Pick<TestApp, 'dbPath' | 'services'>, table: string): Promise<number> {
  const raw = rawDatabase(app, { readonly: true });
  try {
    const [row] = await raw.all<{ n: number }>(`SELECT count(*) AS n FROM "${table}"`);
    return row!.n;
  } finally {
    await raw.close();
  }
}
