import Database from 'better-sqlite3';
import { genesisHash, rowHash, rowJsonSql } from '../chainRule.mjs';
import { verifyChainFile, verifyChainInline } from '../chainVerification.js';
import type { Db } from '../database.js';
import type { AuditStore, BrokenEntry, CaseViewRecord, ChainCheck } from '../store.js';
import type { WriteQueue } from '../writeQueue.js';

/** A copy of the database that is not fit to use: it fails SQLite's check, or its history does not verify. */
export class BrokenCopyError extends Error {}

/** A copy of the database is usable when SQLite's own check passes and its history chain verifies. */
export async function checkCopy(path: string): Promise<ChainCheck> {
  const copy = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const result = copy.pragma('integrity_check', { simple: true });
    if (result !== 'ok') throw new BrokenCopyError(`${path} fails its integrity check: ${String(result)}`);
  } finally {
    copy.close();
  }
  const chain = await verifyChainFile(path);
  if (!chain.ok) throw new BrokenCopyError(`the history in ${path} is broken at event ${chain.firstBadSeq} (checked ${chain.events} events)`);
  return chain;
}

/** Who opened a case, the chain's verification, and checked copies of the database. */
export function sqliteAudit(db: Db, writes: WriteQueue): AuditStore {
  const q = {
    recordView: db.prepare('INSERT INTO case_views (case_id, user_id, at, kind) VALUES (?, ?, ?, ?)'),
    views: db.prepare('SELECT user_id AS userId, at, kind FROM case_views WHERE case_id = ? ORDER BY at DESC, rowid DESC'),
    // Each of the case's rows with the stored hash of the row before it in the chain (of any case).
    caseChain: db.prepare(
      `SELECT h.seq, h.prev_hash AS prevHash, h.hash, ${rowJsonSql} AS rowJson,
         (SELECT p.hash FROM history p WHERE p.seq < h.seq ORDER BY p.seq DESC LIMIT 1) AS before
       FROM history h WHERE h.case_id = ? ORDER BY h.seq`,
    ),
    caseOfEntry: db.prepare('SELECT case_id FROM history WHERE seq = ?').pluck(),
  };
  return {
    recordView: (caseId, userId, at, kind = 'case') => writes.run(() => void q.recordView.run(caseId, userId, at, kind)),
    views: async (caseId) => q.views.all(caseId) as CaseViewRecord[],
    brokenEntries: async (caseId) => {
      const rows = q.caseChain.all(caseId) as { seq: number; prevHash: string; hash: string; rowJson: string; before: string | null }[];
      return rows.flatMap((r): BrokenEntry[] =>
        rowHash(r.prevHash, r.rowJson) !== r.hash
          ? [{ seq: r.seq, problem: 'altered' }]
          : r.prevHash !== (r.before ?? genesisHash)
            ? [{ seq: r.seq, problem: 'unlinked' }]
            : [],
      );
    },
    caseOfEntry: async (seq) => q.caseOfEntry.get(seq) as string | undefined,
    // A ':memory:' database cannot be opened by worker threads.
    verifyChain: async () => (db.memory ? verifyChainInline(db) : verifyChainFile(db.name)),
    backup: async (to) => {
      await db.backup(to);
      await checkCopy(to);
    },
  };
}
