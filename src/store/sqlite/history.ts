import type { Db } from '../database.js';
import { genesisHash, sealEntry } from '../historyChain.js';
import type { HistoryEntry } from '../store.js';

/** The chain's writes, run inside the caller's write transaction so the last link cannot move underneath. */
export function historyWrites(db: Db) {
  const q = {
    lastLink: db.prepare('SELECT seq, hash FROM history ORDER BY seq DESC LIMIT 1'),
    insertHistory: db.prepare(
      `INSERT INTO history (seq, case_id, type, actor, at, from_state, to_state, data, content_hash, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertContent: db.prepare('INSERT INTO history_content (seq, salt, content) VALUES (?, ?, ?)'),
    erase: db.prepare(
      `UPDATE history_content SET salt = NULL, content = NULL, erased_at = @at, erased_reason = @reason
       WHERE seq = @seq AND erased_at IS NULL`,
    ),
    bumpVersion: db.prepare('UPDATE cases SET version = version + 1 WHERE id = ?'),
  };

  /** Appends to the chain under rule 2: the coded data in the row, the personal content apart with its salted commitment. */
  function append(caseId: string, entry: HistoryEntry): number {
    const last = q.lastLink.get() as { seq: number; hash: string } | undefined;
    const seq = (last?.seq ?? 0) + 1;
    const { row, content } = sealEntry(last?.hash ?? genesisHash, seq, caseId, entry);
    q.insertHistory.run(...row);
    if (content) q.insertContent.run(seq, content.salt, content.text);
    return seq;
  }

  return {
    append,
    /** A record entry beside the chart's events (an erasure, a hold): it moves no state, but is one more version of the case. */
    appendRecord(caseId: string, entry: HistoryEntry): number {
      q.bumpVersion.run(caseId);
      return append(caseId, entry);
    },
    /** Erases the content of these rows, and its salt; returns the seqs whose content was still there. */
    eraseContent(seqs: number[], at: string, reason: string): number[] {
      return seqs.filter((seq) => q.erase.run({ seq, at, reason }).changes === 1);
    },
  };
}
