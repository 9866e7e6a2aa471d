// Plain JS, not TypeScript, so verification worker threads load it natively under tsx, vitest and node alike.
import { hash } from 'node:crypto';

/** The prev_hash of the first history row. */
export const genesisHash = '0'.repeat(64);

/** A row's hash: SHA-256 of the previous row's hash followed by the row's JSON text (see historyChain.ts). */
export const rowHash = (/** @type {string} */ prevHash, /** @type {string} */ rowJson) => hash('sha256', prevHash + rowJson, 'hex');

/** The SQL that gives each stored row as chainHash's JSON text. */
export const rowJsonSql = 'json_array(seq, case_id, type, actor, at, from_state, to_state, data)';

/** Rows fetched per query: all() in short runs reads faster than iterate() row by row. */
const chunk = 2000;

/**
 * Checks the history rows with seq in [lo, hi]: the first row must link to
 * the stored hash of the row before it (the genesis hash when there is none),
 * each later row to the row before it, and every row's hash must recompute.
 * A missing row breaks the link of the row after it.
 * @param {import('better-sqlite3').Database} db
 * @param {number} lo
 * @param {number} hi
 * @returns {{ rows: number, firstBadSeq?: number }} rows checked, up to and including the first bad one
 */
export function checkSlice(db, lo, hi) {
  const before = db.prepare('SELECT hash FROM history WHERE seq < ? ORDER BY seq DESC LIMIT 1').pluck();
  const range = db.prepare(`SELECT seq, prev_hash, hash, ${rowJsonSql} FROM history WHERE seq BETWEEN ? AND ? ORDER BY seq`).raw();
  let prev = /** @type {string | undefined} */ (before.get(lo)) ?? genesisHash;
  let rows = 0;
  for (let from = lo; from <= hi; from += chunk) {
    for (const [seq, prevHash, hash, rowJson] of /** @type {[number, string, string, string][]} */ (range.all(from, Math.min(from + chunk - 1, hi)))) {
      rows++;
      if (prevHash !== prev || rowHash(prev, rowJson) !== hash) return { rows, firstBadSeq: seq };
      prev = hash;
    }
  }
  return { rows };
}
