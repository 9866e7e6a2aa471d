// Plain JS, not TypeScript, so verification worker threads load it natively under tsx, vitest and node alike.
import { hash } from 'node:crypto';

/** The prev_hash of the first history row. */
export const genesisHash = '0'.repeat(64);

/** A row's hash: SHA-256 of the previous row's hash followed by the row's JSON text (see historyChain.ts). */
export const rowHash = (/** @type {string} */ prevHash, /** @type {string} */ rowJson) => hash('sha256', prevHash + rowJson, 'hex');

/** A commitment to a row's personal content: SHA-256 of its salt (64 hex characters) followed by the content's JSON text. */
export const contentCommitment = (/** @type {string} */ salt, /** @type {string} */ content) => hash('sha256', salt + content, 'hex');

/** Rule 1, for rows stored before the checkpoint: the row's JSON text holds its whole data, personal content included. */
export const rowJsonSql = 'json_array(seq, case_id, type, actor, at, from_state, to_state, data)';

/** Rule 2, from the checkpoint on: the row holds only coded data and the commitment to its content, which lives in history_content. */
export const rowJsonSqlV2 = 'json_array(h.seq, h.case_id, h.type, h.actor, h.at, h.from_state, h.to_state, h.data, h.content_hash)';

/** Rows fetched per query: all() in short runs reads faster than iterate() row by row. */
const chunk = 2000;

/**
 * The first seq chained under rule 2: rows already stored when the rule came
 * in keep rule 1. A database from before it (a copy being checked before its
 * upgrade) has only rule 1.
 * @param {import('better-sqlite3').Database} db
 */
export function ruleTwoFrom(db) {
  const hasRules = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'chain_rules'").get();
  if (!hasRules) return Infinity;
  return /** @type {number | undefined} */ (db.prepare('SELECT from_seq FROM chain_rules WHERE rule = 2').pluck().get()) ?? Infinity;
}

/**
 * Whether a rule-2 row's content agrees with its commitment: a row that
 * committed to none has no content row; one that did has its content and salt,
 * unless both were erased (the commitment then stands alone, as designed).
 * @param {string | null} commitment
 * @param {number | null} present 1 when a content row exists
 * @param {string | null} salt
 * @param {string | null} content
 * @param {string | null} erasedAt
 */
export function contentAgrees(commitment, present, salt, content, erasedAt) {
  if (commitment === null) return present === null;
  if (present === null) return false;
  if (content === null || salt === null) return erasedAt !== null && content === null && salt === null;
  return contentCommitment(salt, content) === commitment;
}

/** A resealed row's digest: SHA-256 of its rule-2 text (its coded data and the commitment to what was erased from it). */
export const resealDigest = (/** @type {string} */ rowJsonV2) => rowHash('', rowJsonV2);

/**
 * Whether a row stored before the checkpoint, whose rule-1 hash no longer
 * recomputes, was resealed by an erasure: its rule-2 text gives the digest
 * recorded for it, the chained erasure entry that resealed it names that
 * digest, and its content is erased. Its stored hash still links the chain.
 * @param {import('better-sqlite3').Database} db
 * @param {number} seq
 */
export function resealedIntact(db, seq) {
  // A database from before the upgrade has no resealed rows (nor their table).
  if (ruleTwoFrom(db) === Infinity) return false;
  const row = /** @type {[string, string | null, number | null, string | null, string | null, string | null, string, string] | undefined} */ (
    db
      .prepare(
        `SELECT ${rowJsonSqlV2}, h.content_hash, c.seq, c.salt, c.content, c.erased_at, r.digest, e.data
         FROM history h JOIN resealed_rows r ON r.seq = h.seq JOIN history e ON e.seq = r.by_seq AND e.case_id = h.case_id AND e.type = 'PERSONAL_DATA_ERASED'
         LEFT JOIN history_content c ON c.seq = h.seq WHERE h.seq = ?`,
      )
      .raw()
      .get(seq)
  );
  if (!row) return false;
  const [rowJson, commitment, present, salt, content, erasedAt, digest, erasureData] = row;
  const recorded = /** @type {{ resealed?: [number, string][] }} */ (JSON.parse(erasureData)).resealed ?? [];
  return (
    resealDigest(rowJson) === digest &&
    recorded.some(([s, d]) => s === seq && d === digest) &&
    erasedAt !== null &&
    contentAgrees(commitment, present, salt, content, erasedAt)
  );
}

/**
 * Checks the history rows with seq in [lo, hi]: the first row must link to
 * the stored hash of the row before it (the genesis hash when there is none),
 * each later row to the row before it, and every row's hash must recompute
 * under its rule; a rule-2 row's content must also agree with its commitment.
 * A missing row breaks the link of the row after it.
 * @param {import('better-sqlite3').Database} db
 * @param {number} lo
 * @param {number} hi
 * @returns {{ rows: number, firstBadSeq?: number }} rows checked, up to and including the first bad one
 */
export function checkSlice(db, lo, hi) {
  const from2 = ruleTwoFrom(db);
  const before = db.prepare('SELECT hash FROM history WHERE seq < ? ORDER BY seq DESC LIMIT 1').pluck();
  const range1 = db.prepare(`SELECT seq, prev_hash, hash, ${rowJsonSql} FROM history WHERE seq BETWEEN ? AND ? ORDER BY seq`).raw();
  const range2 =
    from2 === Infinity
      ? undefined
      : db
          .prepare(
            `SELECT h.seq, h.prev_hash, h.hash, ${rowJsonSqlV2}, h.content_hash, c.seq, c.salt, c.content, c.erased_at
             FROM history h LEFT JOIN history_content c ON c.seq = h.seq WHERE h.seq BETWEEN ? AND ? ORDER BY h.seq`,
          )
          .raw();
  let prev = /** @type {string | undefined} */ (before.get(lo)) ?? genesisHash;
  let rows = 0;
  for (let from = lo; from <= hi; from += chunk) {
    const to = Math.min(from + chunk - 1, hi);
    // Rule 1 up to the checkpoint, rule 2 after; a chunk that straddles it is read in its two parts.
    if (from < from2) {
      for (const [seq, prevHash, hash, rowJson] of /** @type {[number, string, string, string][]} */ (range1.all(from, Math.min(to, from2 - 1)))) {
        rows++;
        if (prevHash !== prev || (rowHash(prev, rowJson) !== hash && !resealedIntact(db, seq))) return { rows, firstBadSeq: seq };
        prev = hash;
      }
    }
    if (range2 && to >= from2) {
      const rows2 = /** @type {[number, string, string, string, string | null, number | null, string | null, string | null, string | null][]} */ (
        range2.all(Math.max(from, from2), to)
      );
      for (const [seq, prevHash, hash, rowJson, commitment, present, salt, content, erasedAt] of rows2) {
        rows++;
        if (prevHash !== prev || rowHash(prev, rowJson) !== hash || !contentAgrees(commitment, present, salt, content, erasedAt)) {
          return { rows, firstBadSeq: seq };
        }
        prev = hash;
      }
    }
  }
  return { rows };
}

/** Erased content rows that no chained entry accounts for: an erasure names the rows it erased; a correction of a party's details supersedes that party's earlier corrections. */
const unrecordedErasureSql = `SELECT c.seq FROM history_content c JOIN history h ON h.seq = c.seq
  WHERE c.erased_at IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM history e, json_each(e.data, '$.erasedSeqs') j
                    WHERE e.case_id = h.case_id AND e.type = 'PERSONAL_DATA_ERASED' AND e.seq > c.seq AND j.value = c.seq)
    AND NOT (c.erased_reason = 'rectified' AND h.type = 'CORRECT_PARTY_DETAILS'
             AND EXISTS (SELECT 1 FROM history e WHERE e.case_id = h.case_id AND e.type = 'CORRECT_PARTY_DETAILS' AND e.seq > c.seq
                         AND e.data ->> '$.party' = h.data ->> '$.party'))`;

/**
 * The first row whose content was erased with no chained entry to account
 * for it. Erasing content any other way is tampering, and shows here.
 * @param {import('better-sqlite3').Database} db
 * @returns {number | undefined}
 */
export function unrecordedErasure(db) {
  if (ruleTwoFrom(db) === Infinity) return undefined;
  return /** @type {number | null} */ (db.prepare(`SELECT min(seq) FROM (${unrecordedErasureSql})`).pluck().get()) ?? undefined;
}

/**
 * The case's rows erased with no chained entry to account for them.
 * @param {import('better-sqlite3').Database} db
 * @param {string} caseId
 * @returns {number[]}
 */
export function unrecordedErasures(db, caseId) {
  if (ruleTwoFrom(db) === Infinity) return [];
  return /** @type {number[]} */ (db.prepare(`${unrecordedErasureSql} AND h.case_id = ? ORDER BY c.seq`).pluck().all(caseId));
}
