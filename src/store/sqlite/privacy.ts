import type { Actor } from '../../../machines/case/events.js';
import { erasedText } from '../../../machines/case/personalContent.js';
import { ruleTwoFrom } from '../chainRule.mjs';
import type { Db } from '../database.js';
import { concernedBy, erasureEntryData, resealRow, retentionColumns, scrubCase, toRetention, type Concerned, type RetentionRow, type StoredHistoryRow } from '../privacyRules.js';
import { historyColumns, historyFrom, toHistory } from '../rows.js';
import type { ErasureRequest, PrivacyStore } from '../store.js';
import type { WriteQueue } from '../writeQueue.js';
import { historyWrites } from './history.js';
import { linkWrites } from './links.js';

/** Erasure, anonymisation and legal holds: each one transaction with the history entry that records it. */
export function sqlitePrivacy(db: Db, writes: WriteQueue): PrivacyStore {
  const chain = historyWrites(db);
  const links = linkWrites(db);
  const q = {
    caseRow: db.prepare('SELECT referral, snapshot FROM cases WHERE id = ?'),
    unerased: db.prepare(`SELECT ${historyColumns} FROM ${historyFrom} WHERE h.case_id = ? AND c.content IS NOT NULL ORDER BY h.seq`),
    // Rows from before the checkpoint hold their content in their data, until an erasure reseals them.
    unsealed: db.prepare('SELECT * FROM history WHERE case_id = ? AND seq < ? AND content_hash IS NULL ORDER BY seq'),
    reseal: db.prepare('UPDATE history SET data = ?, content_hash = ? WHERE seq = ?'),
    markErased: db.prepare('INSERT INTO history_content (seq, erased_at, erased_reason) VALUES (?, ?, ?)'),
    recordReseal: db.prepare('INSERT INTO resealed_rows (seq, digest, by_seq) VALUES (?, ?, ?)'),
    setCase: db.prepare('UPDATE cases SET referral = ?, snapshot = ? WHERE id = ?'),
    // Notices keep their template, recipient and status for the record; their details and errors (which may quote an address) go.
    scrubNotices: db.prepare(
      `UPDATE notices SET data = '{}', last_error = CASE WHEN last_error IS NULL THEN NULL ELSE '${erasedText}' END
       WHERE case_id = @caseId AND (@all OR recipient IN (SELECT value FROM json_each(@recipients)))`,
    ),
    // The venue is case-wide text, and every conference notice carries it.
    scrubVenues: db.prepare(`UPDATE notices SET data = json_set(data, '$.venue', '${erasedText}') WHERE case_id = ? AND data ->> '$.venue' IS NOT NULL`),
    // Their address is gone, so nothing still waiting can reach them.
    cancelWaiting: db.prepare(
      `UPDATE notices SET status = 'cancelled'
       WHERE case_id = @caseId AND (@all OR recipient IN (SELECT value FROM json_each(@recipients))) AND status IN ('queued', 'retrying')`,
    ),
    scrubTasks: db.prepare(`UPDATE tasks SET resolution = '${erasedText}' WHERE case_id = ? AND resolution IS NOT NULL`),
    scrubFeedback: db.prepare(`UPDATE feedback SET comment = NULL WHERE case_id = @caseId AND (@all OR party = @party) AND comment IS NOT NULL`),
    endPartySessions: db.prepare(
      `DELETE FROM party_sessions WHERE link_id IN (SELECT id FROM response_links WHERE case_id = @caseId AND (@all OR party = @party))`,
    ),
    // An idempotency row holds a copy of the case's snapshot.
    dropIdempotency: db.prepare('DELETE FROM idempotency_keys WHERE case_id = ?'),
    assignable: db.prepare(
      `SELECT id, closed_at, closure_reason, EXISTS (SELECT 1 FROM history h WHERE h.case_id = c.id AND h.type = 'DECLINE_REFERRAL') AS declined
       FROM cases c WHERE status = 'closed' AND closed_at IS NOT NULL AND retain_until IS NULL`,
    ),
    setRetainUntil: db.prepare('UPDATE cases SET retain_until = ? WHERE id = ?'),
    due: db.prepare(
      `SELECT ${retentionColumns}
       WHERE c.retain_until < @before AND c.anonymised_at IS NULL AND (@held IS NULL OR (l.case_id IS NOT NULL) = @held)
       ORDER BY c.retain_until, c.id LIMIT @limit`,
    ),
    retention: db.prepare(`SELECT ${retentionColumns} WHERE c.id = ? AND c.retain_until IS NOT NULL`),
    stateOf: db.prepare("SELECT to_state FROM history WHERE case_id = ? ORDER BY seq DESC LIMIT 1").pluck(),
    placeHold: db.prepare('INSERT INTO legal_holds (case_id, reason, placed_by, placed_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
    liftHold: db.prepare('DELETE FROM legal_holds WHERE case_id = ?'),
    markAnonymised: db.prepare('UPDATE cases SET anonymised_at = ? WHERE id = ?'),
  };

  /** A record entry at the case's current state: it moves nothing. */
  function record(caseId: string, type: string, actor: Actor, at: string, data: Record<string, unknown>) {
    const state = q.stateOf.get(caseId) as string;
    return chain.appendRecord(caseId, { type, actor, at, from: state, to: state, data });
  }

  /**
   * Reseals the case's rows from before the checkpoint that hold personal content of those concerned:
   * each row keeps only its coded data and a commitment to what was removed (its salt is not kept), and
   * its digest goes into the erasure entry. Returns [seq, digest] of each.
   */
  function reseal(r: ErasureRequest, concerned: Concerned): [number, string][] {
    const from2 = ruleTwoFrom(db);
    const sealed: [number, string][] = [];
    for (const h of q.unsealed.all(r.caseId, from2) as StoredHistoryRow[]) {
      const resealed = resealRow(h, concerned);
      if (!resealed) continue;
      q.reseal.run(resealed.data, resealed.commitment, h.seq);
      q.markErased.run(h.seq, r.at, r.basis);
      sealed.push([h.seq, resealed.digest]);
    }
    return sealed;
  }

  function erase(r: ErasureRequest) {
    const row = q.caseRow.get(r.caseId) as { referral: string; snapshot: string } | undefined;
    if (!row) return undefined;
    const party = r.party;
    const concerned = concernedBy(party);
    const seqs = (q.unerased.all(r.caseId) as Record<string, unknown>[]).map(toHistory).filter(concerned).map((h) => h.seq);
    const resealed = reseal(r, concerned);
    const erasedSeqs = [...resealed.map(([seq]) => seq), ...chain.eraseContent(seqs, r.at, r.basis)];
    const scrubbed = scrubCase(row, party);
    q.setCase.run(scrubbed.referral, scrubbed.snapshot, r.caseId);
    const recipients = scrubbed.recipients;
    const all = party === 'all' ? 1 : 0;
    const notices = { caseId: r.caseId, all, recipients: JSON.stringify(recipients) };
    q.cancelWaiting.run(notices);
    q.scrubNotices.run(notices);
    q.scrubVenues.run(r.caseId);
    for (const p of party === 'all' ? (['victim', 'offender'] as const) : [party]) links.revokeAll(r.caseId, p, r.at);
    q.scrubTasks.run(r.caseId);
    q.scrubFeedback.run({ caseId: r.caseId, all, party });
    q.endPartySessions.run({ caseId: r.caseId, all, party });
    q.dropIdempotency.run(r.caseId);
    const by = record(r.caseId, 'PERSONAL_DATA_ERASED', r.actor, r.at, erasureEntryData(r, erasedSeqs, resealed));
    for (const [seq, digest] of resealed) q.recordReseal.run(seq, digest, by);
    return { erasedSeqs };
  }

  return {
    erasePersonalData: (request) => writes.run(() => erase(request)),
    recordEntry: (caseId, { type, actor, at, data }) => writes.run(() => void record(caseId, type, actor, at, data)),
    assignRetention: (retainUntil) =>
      writes.run(() => {
        const rows = q.assignable.all() as { id: string; closed_at: string; closure_reason: string | null; declined: number }[];
        for (const r of rows) q.setRetainUntil.run(retainUntil(r.closed_at, r.closure_reason, r.declined === 1), r.id);
        return rows.length;
      }),
    retentionDue: async (before, options = {}) =>
      (q.due.all({ before, held: options.held === undefined ? null : options.held ? 1 : 0, limit: options.limit ?? -1 }) as RetentionRow[]).map(toRetention),
    retention: async (caseId) => {
      const row = q.retention.get(caseId) as RetentionRow | undefined;
      return row && toRetention(row);
    },
    setHold: (caseId, { reason, actor, at, place }) =>
      writes.run(() => {
        const changed = place ? q.placeHold.run(caseId, reason, actor.id ?? actor.role, at).changes : q.liftHold.run(caseId).changes;
        if (changed !== 1) return false;
        record(caseId, place ? 'LEGAL_HOLD_PLACED' : 'LEGAL_HOLD_LIFTED', actor, at, { reason });
        return true;
      }),
    markAnonymised: (caseId, at) => writes.run(() => void q.markAnonymised.run(at, caseId)),
    // After the write queue has committed, outside any transaction; TRUNCATE also empties the -wal file.
    purgeFreedPages: async () => {
      await writes.run(() => undefined);
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
  };
}
