import { copyFileSync, existsSync, renameSync } from 'node:fs';
import { openDatabase } from './database.js';
import { takeInstanceLock } from './instanceLock.js';
import { checkCopy } from './sqlite/audit.js';
import type { ChainCheck } from './store.js';

/**
 * Puts a backup in place of the database at `to`. Refuses while an app runs on
 * it (the instance lock), and refuses a backup that fails its integrity check or
 * whose history chain does not verify. Nothing is deleted: the database it
 * replaces, with its WAL, is moved aside beside it. The restored copy gets any
 * newer migrations and is checked again.
 */
export async function restoreDatabase(from: string, to: string, now: Date): Promise<{ chain: ChainCheck; keptAside?: string }> {
  const lock = takeInstanceLock(to, 'restore');
  try {
    await checkCopy(from);
    let keptAside: string | undefined;
    if (existsSync(to)) {
      keptAside = `${to}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
      for (const suffix of ['-wal', '-shm', '']) if (existsSync(to + suffix)) renameSync(to + suffix, keptAside + suffix);
    }
    copyFileSync(from, to);
    openDatabase(to).close();
    return { chain: await checkCopy(to), ...(keptAside ? { keptAside } : {}) };
  } finally {
    lock.release();
  }
}
