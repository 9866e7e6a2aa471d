import Database from 'better-sqlite3';
import { contentAgrees, genesisHash, resealedIntact, rowHash, rowJsonSql, rowJsonSqlV2, ruleTwoFrom, unrecordedErasures } from '../chainRule.mjs';
import { verifyChainFile, verifyChainInline } from '../chainVerification.js';
import type { Db } from '../database.js';
import type { AuditStore, BackupStore, BrokenEntry, CaseViewRecord, ChainCheck } from '../store.js';
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

interface ChainRowCheck {
  seq: number;
  prevHash: string;
  hash: string;
  rowJson1: string;
  rowJson2: string;
  commitment: string | null;
  present: number | null;
  salt: string | null;
  content: string | null;
  erasedAt: string | null;
  before: string | null;
}

/** Who opened a case, the chain's verification, and checked copies of the database. */
export function sqliteAudit(db: Db, writes: WriteQueue): AuditStore & BackupStore {
  const q = {
    recordView: db.prepare('INSERT INTO case_views (case_id, user_id, at, kind) VALUES (?, ?, ?, ?)'),
    views: db.prepare('SELECT user_id AS userId, at, kind FROM case_views WHERE case_id = ? ORDER BY at DESC, rowid DESC'),
    // Each of the case's rows with the stored hash of the row before it in the chain (of any case).
    // Both rules' texts of each row: which one applies depends on the row's seq (see chainRule.mjs).
    caseChain: db.prepare(
      `SELECT h.seq, h.prev_hash AS prevHash, h.hash, ${rowJsonSql.replace(/(\w+)(?=[,)])/g, 'h.$1')} AS rowJson1, ${rowJsonSqlV2} AS rowJson2,
         h.content_hash AS commitment, c.seq AS present, c.salt, c.content, c.erased_at AS erasedAt,
         (SELECT p.hash FROM history p WHERE p.seq < h.seq ORDER BY p.seq DESC LIMIT 1) AS before
       FROM history h LEFT JOIN history_content c ON c.seq = h.seq WHERE h.case_id = ? ORDER BY h.seq`,
    ),
    caseOfEntry: db.prepare('SELECT case_id FROM history WHERE seq = ?').pluck(),
  };
  return {
    recordView: (caseId, userId, at, kind = 'case') => writes.run(() => void q.recordView.run(caseId, userId, at, kind)),
    views: async (caseId) => q.views.all(caseId) as CaseViewRecord[],
    brokenEntries: async (caseId) => {
      const from2 = ruleTwoFrom(db);
      const rows = q.caseChain.all(caseId) as ChainRowCheck[];
      const unrecorded = new Set(unrecordedErasures(db, caseId));
      const intact = (r: ChainRowCheck) =>
        !unrecorded.has(r.seq) &&
        (r.seq < from2
          ? rowHash(r.prevHash, r.rowJson1) === r.hash || resealedIntact(db, r.seq)
          : rowHash(r.prevHash, r.rowJson2) === r.hash && contentAgrees(r.commitment, r.present, r.salt, r.content, r.erasedAt));
      return rows.flatMap((r): BrokenEntry[] =>
        !intact(r)
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
