import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Why something would not run: another process holds the database's instance lock. */
export class DatabaseInUseError extends Error {}

/**
 * An exclusive lock on `<database>.lock`, held for as long as its holder runs.
 * The app takes it at start, so a second app on the same SQLite file refuses to
 * start (both would send the same emails) and a restore refuses to run under a
 * running app. It is an SQLite file lock, so the operating system drops it when
 * its process dies, however it dies: a SIGKILL leaves nothing stale behind.
 */
export function takeInstanceLock(databasePath: string, holder: string): { release: () => void } {
  const lockPath = `${databasePath}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true });
  const db = new Database(lockPath, { timeout: 0 });
  try {
    // Once taken in exclusive locking mode, the write lock is kept until the connection closes.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new DatabaseInUseError(`${databasePath} is in use by another process (it holds ${lockPath}); stop it before the ${holder} can run`);
    }
    throw err;
  }
  return { release: () => db.close() };
}
