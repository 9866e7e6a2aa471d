import { sealEntry } from '../historyChain.js';
import type { HistoryEntry } from '../store.js';
import type { Client } from './database.js';
import { all, first } from './query.js';

/**
 * The chain's writes, inside the caller's transaction, which the write queue has opened with the chain
 * head's lock (src/store/postgres/writeQueue.ts): so seqs follow commit order across every instance and
 * each row links to the one committed before it, as in SQLite's single writer.
 */
export async function appendHistory(c: Client, caseId: string, entry: HistoryEntry): Promise<number> {
  const head = (await first<{ seq: number; hash: string }>(c, 'SELECT seq, hash FROM chain_head WHERE id = 1'))!;
  const seq = head.seq + 1;
  const { row, content } = sealEntry(head.hash, seq, caseId, entry);
  await c.query(
    `INSERT INTO history (seq, case_id, type, actor, at, from_state, to_state, data, content_hash, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    row,
  );
  if (content) await c.query('INSERT INTO history_content (seq, salt, content) VALUES ($1, $2, $3)', [seq, content.salt, content.text]);
  await c.query('UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1', [seq, row[10]]);
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
