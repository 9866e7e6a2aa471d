import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export type Pool = pg.Pool;
export type Client = pg.PoolClient;

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** PostgreSQL's migration files in the order they apply: their names start with a timestamp. */
export function pgMigrationFiles(): { name: string; sql: string }[] {
  return readdirSync(migrationsDir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(migrationsDir, name), 'utf8') }));
}

// BIGINT (seqs, ids, counts) as a JS number, as SQLite gives it: exact up to 2^53, far beyond any chain.
export const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** How long a statement waits for a lock before it fails, as SQLite's busy timeout: /readyz says failing, not hangs. */
const lockTimeoutMs = 5000;

/**
 * A pool on the database at `url`, migrated unless told not to. Each connection commits with the
 * server's synchronous_commit (on by default, and what a synchronous standby needs), and works at
 * READ COMMITTED: the store takes the row locks an event needs itself (ADR 0011).
 */
export async function openPool(url: string, options: { migrate?: boolean; max?: number } = {}): Promise<Pool> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types: pgTypes, application_name: 'rj-casework', lock_timeout: lockTimeoutMs });
  // An idle connection that fails (the server restarted) is dropped from the pool; the next query opens another.
  pool.on('error', () => {});
  // One that fails while checked out (a failover mid-batch) rejects the query in hand, and must not also crash
  // the process as an unheard 'error' event; the pool drops it when it comes back.
  pool.on('connect', (client) => client.on('error', () => {}));
  if (options.migrate !== false) await migratePostgres(pool);
  return pool;
}

/** An id every instance agrees on, for the advisory lock that lets one of them migrate at a time. */
const migrationLock = 727_101;

/** Applies the migrations not yet applied, each in its own transaction; other instances starting at once wait for the lock. */
export async function migratePostgres(pool: Pool): Promise<string[]> {
  const client = await pool.connect();
  try {
    // However long another instance's migrations take: the lock timeout is for the app's statements.
    await client.query('SET lock_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [migrationLock]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
    const applied = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    const pending = pgMigrationFiles().filter((m) => !applied.has(m.name));
    for (const m of pending) {
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)', [m.name, new Date().toISOString()]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
    return pending.map((m) => m.name);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [migrationLock]).catch(() => {});
    await client.query('RESET lock_timeout').catch(() => {});
    client.release();
  }
}
