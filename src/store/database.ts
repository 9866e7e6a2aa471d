import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Db = Database.Database;

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Migration files in the order they apply: their names start with a timestamp. */
export function migrationFiles(): { name: string; sql: string }[] {
  return readdirSync(migrationsDir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(migrationsDir, name), 'utf8') }));
}

/**
 * Opens the database with the durability the product promises: WAL, and
 * synchronous=FULL set on every connection (better-sqlite3 would otherwise
 * reopen a WAL database with NORMAL).
 */
export function openDatabase(path: string, options: { migrate?: boolean } = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  // Erased content is overwritten with zeros on its page, not left in free space for a file search to find.
  db.pragma('secure_delete = ON');
  // 8 MiB of page cache (the default is 2): an event touches index pages all over the file.
  db.pragma('cache_size = -8192');
  // Checkpoint every 4000 pages (16 MiB of WAL), not 1000: a page rewritten by many commits goes back to the file once.
  db.pragma('wal_autocheckpoint = 4000');
  if (options.migrate !== false) migrate(db);
  return db;
}

export function migrate(db: Db): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = new Set(db.prepare('SELECT name FROM schema_migrations').pluck().all() as string[]);
  const pending = migrationFiles().filter((m) => !applied.has(m.name));
  const record = db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)');
  for (const m of pending) {
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.name, new Date().toISOString());
    }).immediate();
  }
  return pending.map((m) => m.name);
}
