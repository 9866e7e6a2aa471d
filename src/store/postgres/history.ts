import { sealEntry } from '../historyChain.js';
import type { HistoryEntry } from '../store.js';
import type { Client } from './database.js';
import { all } from './query.js';
import type { ChainTip } from './writeQueue.js';

/**
 * The chain's writes, inside the caller's transaction, which the write queue has opened with the chain
 * head's lock (src/store/postgres/writeQueue.ts): so seqs follow commit order across every instance and
 * each row links to the one committed before it, as in SQLite's single writer. `tip` is the head as the
 * batch has it; the queue stores it before the batch commits.
 */
export async function appendHistory(c: Client, tip: ChainTip, caseId: string, entry: HistoryEntry): Promise<number> {
  const seq = tip.seq + 1;
  const { row, content } = sealEntry(tip.hash, seq, caseId, entry);
  const insertRow = `INSERT INTO history (seq, case_id, type, actor, at, from_state, to_state, data, content_hash, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;
  // A row and its content in one statement: one round trip under the chain's lock.
  if (content) await c.query(`WITH h AS (${insertRow} RETURNING seq) INSERT INTO history_content (seq, salt, content) SELECT seq, $12, $13 FROM h`, [...row, content.salt, content.text]);
  else await c.query(insertRow, row);
  tip.seq = seq;
  tip.hash = row[10] as string;
  // A chain begun here is chained under rule 2 from its first row (one moved from SQLite brought its own rules).
  if (seq === 1) await c.query('INSERT INTO chain_rules (rule, from_seq) VALUES (2, 1) ON CONFLICT (rule) DO NOTHING');
  return seq;
}

/** Erases the content of these rows, and its salt; returns the seqs whose content was still there. */
export async function eraseContent(c: Client, seqs: number[], at: string, reason: string): Promise<number[]> {
  if (seqs.length === 0) return [];
  const erased = await all<{ seq: number }>(
    c,
    `UPDATE history_content SET salt = NULL, content = NULL, erased_at = $1, erased_reason = $2
     WHERE seq = ANY($3) AND erased_at IS NULL RETURNING seq`,
    [at, reason, seqs],
  );
  const done = new Set(erased.map((r) => r.seq));
  return seqs.filter((seq) => done.has(seq));
}
