import Database from 'better-sqlite3';
import pg from 'pg';
import { pgTypes } from '../../src/store/postgres/database.js';
import { numbered } from '../support/rawDatabase.js';

/** Runs one read (`?` placeholders) and answers its rows; integers come back as numbers on both stores. */
export type Read = <T>(sql: string, params?: unknown[]) => Promise<T[]>;

/**
 * The run's database as the checks read it, beside the app (never through it): SQLite through a read-only
 * connection, which reads the WAL but never checkpoints it, so the next start recovers exactly what a kill
 * left; PostgreSQL through its own small pool.
 */
export interface CrashDatabase {
  store: 'sqlite' | 'postgres';
  /** What every app process is given to reach it. */
  env: Record<string, string>;
  /** Several reads that see one state (one connection). */
  reading<T>(run: (read: Read) => Promise<T>): Promise<T>;
  /** SQLite's integrity_check of the file; undefined on PostgreSQL, whose server is never killed here. */
  integrity(): Promise<string | undefined>;
  close(): Promise<void>;
}

export function sqliteCrashDatabase(path: string): CrashDatabase {
  const reading = async <T>(run: (read: Read) => Promise<T>) => {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return await run(async <R>(sql: string, params: unknown[] = []) => db.prepare(sql).all(...params) as R[]);
    } finally {
      db.close();
    }
  };
  return {
    store: 'sqlite',
    env: { DATABASE_PATH: path },
    reading,
    integrity: () => reading(async (read) => (await read<{ integrity_check: string }>('PRAGMA integrity_check')).map((r) => r.integrity_check).join('; ')),
    close: async () => undefined,
  };
}

export function postgresCrashDatabase(url: string): CrashDatabase {
  const pool = new pg.Pool({ connectionString: url, max: 2, types: pgTypes });
  return {
    store: 'postgres',
    env: { DATABASE_URL: url },
    reading: async (run) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const result = await run(async (sql, params = []) => (await client.query(numbered(sql), params)).rows);
        await client.query('COMMIT');
        return result;
      } finally {
        client.release();
      }
    },
    integrity: async () => undefined,
    close: () => pool.end(),
  };
}
