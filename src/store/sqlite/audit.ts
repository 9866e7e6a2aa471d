import Database from 'better-sqlite3';
import { verifyChainFile, verifyChainInline } from '../chainVerification.js';
import type { Db } from '../database.js';
import type { AuditStore } from '../store.js';
import type { WriteQueue } from '../writeQueue.js';

/** Who opened a case, the chain's verification, and checked copies of the database. */
export function sqliteAudit(db: Db, writes: WriteQueue): AuditStore {
  const q = {
    recordView: db.prepare('INSERT INTO case_views (case_id, user_id, at) VALUES (?, ?, ?)'),
    views: db.prepare('SELECT user_id AS userId, at FROM case_views WHERE case_id = ? ORDER BY at DESC, rowid DESC LIMIT 500'),
  };
  return {
    recordView: (caseId, userId, at) => writes.run(() => void q.recordView.run(caseId, userId, at)),
    views: async (caseId) => q.views.all(caseId) as { userId: string; at: string }[],
    // A ':memory:' database cannot be opened by worker threads.
    verifyChain: async () => (db.memory ? verifyChainInline(db) : verifyChainFile(db.name)),
    backup: async (to) => {
      await db.backup(to);
      const copy = new Database(to, { readonly: true });
      try {
        const result = copy.pragma('integrity_check', { simple: true });
        if (result !== 'ok') throw new Error(`backup failed its integrity check: ${String(result)}`);
      } finally {
        copy.close();
      }
    },
  };
}
