import { contentAgrees, genesisHash, resealDigest, rowHash } from '../chainRule.mjs';
import type { StoredHistoryRow } from '../privacyRules.js';
import type { AuditStore, BrokenEntry, CaseViewRecord, ChainCheck } from '../store.js';
import type { Client, Pool } from './database.js';
import { all, first } from './query.js';
import type { PgWriteQueue } from './writeQueue.js';

/** A history row as stored (the columns a reseal reads too), with its links and its content row's state. */
interface ChainRow extends StoredHistoryRow {
  content_hash: string | null;
  prev_hash: string;
  hash: string;
  present: number | null;
  salt: string | null;
  content: string | null;
  erased_at: string | null;
}

const chainColumns = `h.seq, h.case_id, h.type, h.actor, h.at, h.from_state, h.to_state, h.data, h.content_hash, h.prev_hash, h.hash,
  c.seq AS present, c.salt, c.content, c.erased_at`;
const chunk = 5000;

// The texts SQLite's json_array() gives for rule 1 and rule 2 (test/durability/chainText.test.ts holds JSON.stringify to it).
const ruleOneText = (r: ChainRow) => JSON.stringify([r.seq, r.case_id, r.type, r.actor, r.at, r.from_state, r.to_state, r.data]);
const ruleTwoText = (r: ChainRow) => JSON.stringify([r.seq, r.case_id, r.type, r.actor, r.at, r.from_state, r.to_state, r.data, r.content_hash]);

/** Erased content no chained entry accounts for, as src/store/chainRule.mjs finds it in SQLite. */
const unrecordedErasureSql = `SELECT c.seq FROM history_content c JOIN history h ON h.seq = c.seq
  WHERE c.erased_at IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM history e, jsonb_array_elements(e.data::jsonb -> 'erasedSeqs') j
                    WHERE e.case_id = h.case_id AND e.type = 'PERSONAL_DATA_ERASED' AND e.seq > c.seq AND j.value::bigint = c.seq)
    AND NOT (c.erased_reason = 'rectified' AND h.type = 'CORRECT_PARTY_DETAILS'
             AND EXISTS (SELECT 1 FROM history e WHERE e.case_id = h.case_id AND e.type = 'CORRECT_PARTY_DETAILS' AND e.seq > c.seq
                         AND e.data::jsonb ->> 'party' = h.data::jsonb ->> 'party'))`;

/** Who opened a case, and the chain's verification, as src/store/sqlite/audit.ts does them. */
export function pgAudit(pool: Pool, writes: PgWriteQueue): Omit<AuditStore, 'backup'> {
  const ruleTwoFrom = async (c: Client | Pool) => (await first<{ from_seq: number }>(c, 'SELECT from_seq FROM chain_rules WHERE rule = 2'))?.from_seq ?? 1;

  /** A rule-1 row an erasure resealed: its rule-2 text gives the digest recorded for it and in the erasure entry that resealed it. */
  async function resealedIntact(c: Client | Pool, r: ChainRow) {
    const seal = await first<{ digest: string; erasure: string }>(
      c,
      `SELECT r.digest, e.data AS erasure FROM resealed_rows r JOIN history e ON e.seq = r.by_seq AND e.case_id = $2 AND e.type = 'PERSONAL_DATA_ERASED' WHERE r.seq = $1`,
      [r.seq, r.case_id],
    );
    if (!seal) return false;
    const recorded = (JSON.parse(seal.erasure) as { resealed?: [number, string][] }).resealed ?? [];
    return resealDigest(ruleTwoText(r)) === seal.digest && recorded.some(([s, d]) => s === r.seq && d === seal.digest) && r.erased_at !== null && contentAgrees(r.content_hash, r.present, r.salt, r.content, r.erased_at);
  }

  const intact = async (c: Client | Pool, r: ChainRow, from2: number) =>
    r.seq < from2
      ? rowHash(r.prev_hash, ruleOneText(r)) === r.hash || (await resealedIntact(c, r))
      : rowHash(r.prev_hash, ruleTwoText(r)) === r.hash && contentAgrees(r.content_hash, r.present, r.salt, r.content, r.erased_at);

  /** The whole chain in one snapshot, so the figures agree while instances keep writing. */
  async function verifyChain(): Promise<ChainCheck> {
    const c = await pool.connect();
    try {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const start = (await first<{ max_seq: number; expected: number }>(c, 'SELECT (SELECT coalesce(max(seq), 0) FROM history) AS max_seq, (SELECT coalesce(sum(version), 0) FROM cases) AS expected'))!;
      const unrecorded = (await first<{ seq: number | null }>(c, `SELECT min(seq) AS seq FROM (${unrecordedErasureSql}) u`))?.seq ?? undefined;
      const from2 = await ruleTwoFrom(c);
      let prev = genesisHash;
      let events = 0;
      for (let lo = 1; lo <= start.max_seq; lo += chunk) {
        const rows = await all<ChainRow>(c, `SELECT ${chainColumns} FROM history h LEFT JOIN history_content c ON c.seq = h.seq WHERE h.seq BETWEEN $1 AND $2 ORDER BY h.seq`, [lo, lo + chunk - 1]);
        for (const r of rows) {
          events++;
          if (r.prev_hash !== prev || !(await intact(c, r, from2))) return { ok: false, events, firstBadSeq: Math.min(r.seq, unrecorded ?? Infinity) };
          prev = r.hash;
        }
      }
      if (unrecorded !== undefined) return { ok: false, events, firstBadSeq: unrecorded };
      // Rows cut from the end leave no broken link, only fewer rows than events.
      if (events !== start.expected) return { ok: false, events, firstBadSeq: start.max_seq + 1 };
      return { ok: true, events };
    } finally {
      await c.query('COMMIT').catch(() => {});
      c.release();
    }
  }

  return {
    recordView: (caseId, userId, at, kind = 'case') => writes.run(async (c) => void (await c.query('INSERT INTO case_views (case_id, user_id, at, kind) VALUES ($1, $2, $3, $4)', [caseId, userId, at, kind]))),
    views: (caseId) => all<CaseViewRecord>(pool, 'SELECT user_id AS "userId", at, kind FROM case_views WHERE case_id = $1 ORDER BY at DESC, id DESC', [caseId]),
    brokenEntries: async (caseId) => {
      const from2 = await ruleTwoFrom(pool);
      const rows = await all<ChainRow & { before: string | null }>(
        pool,
        `SELECT ${chainColumns}, (SELECT p.hash FROM history p WHERE p.seq < h.seq ORDER BY p.seq DESC LIMIT 1) AS before
         FROM history h LEFT JOIN history_content c ON c.seq = h.seq WHERE h.case_id = $1 ORDER BY h.seq`,
        [caseId],
      );
      const unrecorded = new Set((await all<{ seq: number }>(pool, `${unrecordedErasureSql} AND h.case_id = $1`, [caseId])).map((r) => r.seq));
      const broken: BrokenEntry[] = [];
      for (const r of rows) {
        if (unrecorded.has(r.seq) || !(await intact(pool, r, from2))) broken.push({ seq: r.seq, problem: 'altered' });
        else if (r.prev_hash !== (r.before ?? genesisHash)) broken.push({ seq: r.seq, problem: 'unlinked' });
      }
      return broken;
    },
    caseOfEntry: async (seq) => (await first<{ case_id: string }>(pool, 'SELECT case_id FROM history WHERE seq = $1', [seq]))?.case_id,
    verifyChain,
  };
}
