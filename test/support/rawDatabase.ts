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
  return openRawDatabase({ path: app.dbPath, url: app.services.config.databaseUrl }, options);
}

/** The PostgreSQL database at `url` if there is one, else the SQLite file at `path`, on one connection of its own. */
export function openRawDatabase({ path, url }: { path: string; url?: string | undefined }, options: { readonly?: boolean } = {}): RawDatabase {
  if (!url) {
    const db = new Database(path, { fileMustExist: true, readonly: options.readonly ?? false });
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

/**
 * Writes the database breaks on purpose: `on` is a trigger's event (`INSERT ON notices`, `UPDATE OF status ON
 * notices`) and `when` its condition over NEW, in SQL both dialects read. `statement` fails the one statement
 * with `message`; `transaction` ends the whole transaction, as a full disk does to SQLite and a lost connection
 * (a failover) to PostgreSQL.
 */
export interface WriteFailure {
  on: string;
  when: string;
  breaks: 'statement' | 'transaction';
  message: string;
}

/** Makes the database at `where` break matching writes, over a connection of its own, until the returned `lift`. */
export async function failWrites(where: { path: string; url?: string | undefined }, { on, when, breaks, message }: WriteFailure): Promise<() => Promise<void>> {
  const raw = openRawDatabase(where);
  if (raw.store === 'sqlite') {
    await raw.run(`CREATE TRIGGER fail_writes BEFORE ${on} WHEN ${when} BEGIN SELECT RAISE(${breaks === 'statement' ? 'ABORT' : 'ROLLBACK'}, '${message}'); END`);
    return async () => {
      await raw.run('DROP TRIGGER fail_writes');
      await raw.close();
    };
  }
  // The superuser's own pg_terminate_backend of the backend running the write: the connection is gone mid-transaction.
  const body = breaks === 'statement' ? `RAISE EXCEPTION '${message}'` : 'PERFORM pg_terminate_backend(pg_backend_pid())';
  await raw.run(`CREATE FUNCTION fail_writes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${body}; RETURN NEW; END $$;
                 CREATE TRIGGER fail_writes BEFORE ${on} FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION fail_writes()`);
  return async () => {
    await raw.run(`DROP TRIGGER fail_writes ON ${/\bON (\w+)$/.exec(on)![1]}; DROP FUNCTION fail_writes()`);
    await raw.close();
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
