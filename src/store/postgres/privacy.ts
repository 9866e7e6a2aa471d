import type { Actor } from '../../../machines/case/events.js';
import { erasedText } from '../../../machines/case/personalContent.js';
import { concernedBy, erasureEntryData, resealRow, retentionColumns, scrubCase, toRetention, type Concerned, type RetentionRow, type StoredHistoryRow } from '../privacyRules.js';
import { historyColumns, historyFrom, toHistory } from '../rows.js';
import type { ErasureRequest, PrivacyStore } from '../store.js';
import type { Client, Pool } from './database.js';
import { appendHistory, eraseContent } from './history.js';
import { pgLinkWrites as links } from './links.js';
import { all, changed, first } from './query.js';
import type { ChainTip, PgWriteQueue } from './writeQueue.js';

/** Erasure, anonymisation and legal holds, as src/store/sqlite/privacy.ts keeps them: each one transaction with the history entry that records it. */
export function pgPrivacy(pool: Pool, writes: PgWriteQueue): PrivacyStore {
  /** A record entry at the case's current state: it moves nothing, but is one more version of the case. */
  async function record(c: Client, tip: ChainTip, caseId: string, type: string, actor: Actor, at: string, data: Record<string, unknown>) {
    const { to_state: state } = (await first<{ to_state: string }>(c, 'SELECT to_state FROM history WHERE case_id = $1 ORDER BY seq DESC LIMIT 1', [caseId]))!;
    await c.query('UPDATE cases SET version = version + 1 WHERE id = $1', [caseId]);
    return appendHistory(c, tip, caseId, { type, actor, at, from: state, to: state, data });
  }

  /** Rows from before the rule-2 checkpoint hold their content in their data, until an erasure reseals them (a chain moved from SQLite). */
  async function reseal(c: Client, r: ErasureRequest, concerned: Concerned): Promise<[number, string][]> {
    const from2 = (await first<{ from_seq: number }>(c, 'SELECT from_seq FROM chain_rules WHERE rule = 2'))?.from_seq ?? 1;
    const sealed: [number, string][] = [];
    for (const h of await all<StoredHistoryRow>(c, 'SELECT * FROM history WHERE case_id = $1 AND seq < $2 AND content_hash IS NULL ORDER BY seq', [r.caseId, from2])) {
      const resealed = resealRow(h, concerned);
      if (!resealed) continue;
      await c.query('UPDATE history SET data = $1, content_hash = $2 WHERE seq = $3', [resealed.data, resealed.commitment, h.seq]);
      await c.query('INSERT INTO history_content (seq, erased_at, erased_reason) VALUES ($1, $2, $3)', [h.seq, r.at, r.basis]);
      sealed.push([h.seq, resealed.digest]);
    }
    return sealed;
  }

  async function erase(c: Client, tip: ChainTip, r: ErasureRequest) {
    // The case row locked first, as an event takes it: an erasure and an event on one case wait for each other.
    const row = await first<{ referral: string; snapshot: string }>(c, 'SELECT referral, snapshot FROM cases WHERE id = $1 FOR UPDATE', [r.caseId]);
    if (!row) return undefined;
    const party = r.party;
    const concerned = concernedBy(party);
    const unerased = await all<Record<string, unknown>>(c, `SELECT ${historyColumns} FROM ${historyFrom} WHERE h.case_id = $1 AND c.content IS NOT NULL ORDER BY h.seq`, [r.caseId]);
    const seqs = unerased.map(toHistory).filter(concerned).map((h) => h.seq);
    const resealed = await reseal(c, r, concerned);
    const erasedSeqs = [...resealed.map(([seq]) => seq), ...(await eraseContent(c, seqs, r.at, r.basis))];
    const scrubbed = scrubCase(row, party);
    await c.query('UPDATE cases SET referral = $1, snapshot = $2 WHERE id = $3', [scrubbed.referral, scrubbed.snapshot, r.caseId]);
    const everyone = party === 'all';
    // Their address is gone, so nothing still waiting can reach them.
    await c.query(
      "UPDATE notices SET status = 'cancelled' WHERE case_id = $1 AND ($2 OR recipient = ANY($3)) AND status IN ('queued', 'retrying')",
      [r.caseId, everyone, scrubbed.recipients],
    );
    // Notices keep their template, recipient and status for the record; their details and errors (which may quote an address) go.
    await c.query(
      `UPDATE notices SET data = '{}', last_error = CASE WHEN last_error IS NULL THEN NULL ELSE '${erasedText}' END WHERE case_id = $1 AND ($2 OR recipient = ANY($3))`,
      [r.caseId, everyone, scrubbed.recipients],
    );
    // The venue is case-wide text, and every conference notice carries it.
    await c.query(`UPDATE notices SET data = jsonb_set(data::jsonb, '{venue}', to_jsonb('${erasedText}'::text))::text WHERE case_id = $1 AND data::jsonb ? 'venue'`, [r.caseId]);
    for (const p of everyone ? (['victim', 'offender'] as const) : [party]) await links.revokeAll(c, r.caseId, p, r.at);
    await c.query(`UPDATE tasks SET resolution = '${erasedText}' WHERE case_id = $1 AND resolution IS NOT NULL`, [r.caseId]);
    await c.query('UPDATE feedback SET comment = NULL WHERE case_id = $1 AND ($2 OR party = $3) AND comment IS NOT NULL', [r.caseId, everyone, party]);
    await c.query('DELETE FROM party_sessions WHERE link_id IN (SELECT id FROM response_links WHERE case_id = $1 AND ($2 OR party = $3))', [r.caseId, everyone, party]);
    // An idempotency row holds a copy of the case's snapshot.
    await c.query('DELETE FROM idempotency_keys WHERE case_id = $1', [r.caseId]);
    const by = await record(c, tip, r.caseId, 'PERSONAL_DATA_ERASED', r.actor, r.at, erasureEntryData(r, erasedSeqs, resealed));
    for (const [seq, digest] of resealed) await c.query('INSERT INTO resealed_rows (seq, digest, by_seq) VALUES ($1, $2, $3)', [seq, digest, by]);
    return { erasedSeqs };
  }

  return {
    erasePersonalData: (request) => writes.run((c, tip) => erase(c, tip, request), { chain: true }),
    recordEntry: (caseId, { type, actor, at, data }) => writes.run(async (c, tip) => void (await record(c, tip, caseId, type, actor, at, data)), { chain: true }),
    assignRetention: (retainUntil) =>
      writes.run(async (c) => {
        const rows = await all<{ id: string; closed_at: string; closure_reason: string | null; declined: boolean }>(
          c,
          `SELECT id, closed_at, closure_reason, EXISTS (SELECT 1 FROM history h WHERE h.case_id = c.id AND h.type = 'DECLINE_REFERRAL') AS declined
           FROM cases c WHERE status = 'closed' AND closed_at IS NOT NULL AND retain_until IS NULL`,
        );
        for (const r of rows) await c.query('UPDATE cases SET retain_until = $1 WHERE id = $2', [retainUntil(r.closed_at, r.closure_reason, r.declined), r.id]);
        return rows.length;
      }),
    retentionDue: async (before, options = {}) =>
      (
        await all<RetentionRow>(
          pool,
          `SELECT ${retentionColumns}
           WHERE c.retain_until < $1 AND c.anonymised_at IS NULL AND ($2::boolean IS NULL OR (l.case_id IS NOT NULL) = $2)
           ORDER BY c.retain_until, c.id LIMIT $3`,
          [before, options.held ?? null, options.limit ?? null],
        )
      ).map(toRetention),
    retention: async (caseId) => {
      const row = await first<RetentionRow>(pool, `SELECT ${retentionColumns} WHERE c.id = $1 AND c.retain_until IS NOT NULL`, [caseId]);
      return row && toRetention(row);
    },
    setHold: (caseId, { reason, actor, at, place }) =>
      writes.run(
        async (c, tip) => {
          const done = place
            ? await changed(c, 'INSERT INTO legal_holds (case_id, reason, placed_by, placed_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [caseId, reason, actor.id ?? actor.role, at])
            : await changed(c, 'DELETE FROM legal_holds WHERE case_id = $1', [caseId]);
          if (done !== 1) return false;
          await record(c, tip, caseId, place ? 'LEGAL_HOLD_PLACED' : 'LEGAL_HOLD_LIFTED', actor, at, { reason });
          return true;
        },
        { chain: true },
      ),
    markAnonymised: (caseId, at) => writes.run(async (c) => void (await c.query('UPDATE cases SET anonymised_at = $1 WHERE id = $2', [at, caseId]))),
    // An erased value lives on in the old row versions an UPDATE leaves behind until VACUUM frees them; the
    // write-ahead log and base backups age out under the retention the DBA sets for them (README).
    purgeFreedPages: async () => {
      await writes.drain();
      await pool.query('VACUUM history_content, history, cases, notices, tasks, feedback, party_sessions, idempotency_keys');
    },
  };
}
