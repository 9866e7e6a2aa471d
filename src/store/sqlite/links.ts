import type { Db } from '../database.js';
import { LinkAlreadyUsed, type FeedbackRecord, type LinkStore } from '../store.js';
import type { WriteQueue } from '../writeQueue.js';
import { toLink, type LinkRow } from '../rows.js';

const allPurposes = JSON.stringify(['invitation', 'withdrawal', 'feedback']);

/** The writes an event makes to links, run inside its transaction. */
export function linkWrites(db: Db) {
  const q = {
    insertLink: db.prepare(
      `INSERT INTO response_links (id, token_hash, case_id, notice_id, party, purpose, created_at, expires_at)
       VALUES (@id, @tokenHash, @caseId, @noticeId, @party, @purpose, @createdAt, @expiresAt)`,
    ),
    useLink: db.prepare('UPDATE response_links SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL'),
    linkById: db.prepare('SELECT * FROM response_links WHERE id = ?'),
    // Once a party has answered, or has stopped all contact, their other open links of that kind stop working.
    revokeLinks: db.prepare(
      `UPDATE response_links SET revoked_at = @at
       WHERE case_id = @caseId AND party = @party AND purpose IN (SELECT value FROM json_each(@purposes))
         AND used_at IS NULL AND revoked_at IS NULL`,
    ),
  };
  return {
    insert: (link: Parameters<typeof q.insertLink.run>[0]) => void q.insertLink.run(link),
    /** Uses a single-use link and revokes the party's other open links of its purpose; LinkAlreadyUsed if it was used. */
    use(id: string, at: string) {
      if (q.useLink.run(at, id).changes !== 1) throw new LinkAlreadyUsed();
      const link = toLink(q.linkById.get(id) as LinkRow);
      q.revokeLinks.run({ at, caseId: link.caseId, party: link.party, purposes: JSON.stringify([link.purpose]) });
    },
    /** Every open link of a party who has stopped all contact. */
    revokeAll: (caseId: string, party: string, at: string) => void q.revokeLinks.run({ at, caseId, party, purposes: allPurposes }),
    useForFeedback: (linkId: string, at: string) => q.useLink.run(at, linkId).changes === 1,
  };
}

export function sqliteLinks(db: Db, writes: WriteQueue): LinkStore {
  const links = linkWrites(db);
  const q = {
    linkByTokenHash: db.prepare('SELECT * FROM response_links WHERE token_hash = ?'),
    linksForNotice: db.prepare('SELECT * FROM response_links WHERE notice_id = ? ORDER BY purpose'),
    insertSession: db.prepare('INSERT INTO party_sessions (token_hash, link_id, created_at, expires_at) VALUES (?, ?, ?, ?)'),
    sessionLink: db.prepare(
      'SELECT l.* FROM party_sessions s JOIN response_links l ON l.id = s.link_id WHERE s.token_hash = ? AND s.expires_at > ?',
    ),
    insertFeedback: db.prepare(
      'INSERT INTO feedback (case_id, party, link_id, rating, comment, at) VALUES (@caseId, @party, @linkId, @rating, @comment, @at)',
    ),
    feedback: db.prepare('SELECT case_id, party, link_id, rating, comment, at FROM feedback WHERE case_id = ? ORDER BY id'),
  };

  const saveFeedback = (f: FeedbackRecord): boolean => {
    if (!links.useForFeedback(f.linkId, f.at)) return false;
    q.insertFeedback.run(f);
    return true;
  };

  return {
    linkByTokenHash: async (hash) => {
      const r = q.linkByTokenHash.get(hash) as LinkRow | undefined;
      return r && toLink(r);
    },
    linksForNotice: async (noticeId) => (q.linksForNotice.all(noticeId) as LinkRow[]).map(toLink),
    openPartySession: (s) => writes.run(() => void q.insertSession.run(s.tokenHash, s.linkId, s.createdAt, s.expiresAt)),
    partySessionLink: async (hash, now) => {
      const r = q.sessionLink.get(hash, now) as LinkRow | undefined;
      return r && toLink(r);
    },
    saveFeedback: (f) => writes.run(() => saveFeedback(f)),
    feedback: async (caseId) =>
      (q.feedback.all(caseId) as Record<string, unknown>[]).map((r) => ({
        caseId: r.case_id as string,
        party: r.party as string,
        linkId: r.link_id as string,
        rating: r.rating as number,
        comment: r.comment as string | null,
        at: r.at as string,
      })),
  };
}
