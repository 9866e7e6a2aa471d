import { toLink, type LinkRow } from '../rows.js';
import { LinkAlreadyUsed, type FeedbackRecord, type LinkStore, type NewLink } from '../store.js';
import type { Client, Pool } from './database.js';
import { all, changed, first } from './query.js';
import type { PgWriteQueue } from './writeQueue.js';

const allPurposes = ['invitation', 'withdrawal', 'feedback'];

const useLink = (c: Client, id: string, at: string) =>
  changed(c, 'UPDATE response_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL', [at, id]);

// Once a party has answered, or has stopped all contact, their other open links of that kind stop working.
const revokeLinks = (c: Client, caseId: string, party: string, purposes: string[], at: string) =>
  c.query(
    `UPDATE response_links SET revoked_at = $1
     WHERE case_id = $2 AND party = $3 AND purpose = ANY($4) AND used_at IS NULL AND revoked_at IS NULL`,
    [at, caseId, party, purposes],
  );

/** The writes an event makes to links, inside its transaction, as src/store/sqlite/links.ts makes them. */
export const pgLinkWrites = {
  insert: (c: Client, l: NewLink & { caseId: string; createdAt: string }) =>
    c.query(
      `INSERT INTO response_links (id, token_hash, case_id, notice_id, party, purpose, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [l.id, l.tokenHash, l.caseId, l.noticeId, l.party, l.purpose, l.createdAt, l.expiresAt],
    ),
  /** Uses a single-use link and revokes the party's other open links of its purpose; LinkAlreadyUsed if it was used. */
  async use(c: Client, id: string, at: string) {
    if ((await useLink(c, id, at)) !== 1) throw new LinkAlreadyUsed();
    const link = toLink((await first<LinkRow>(c, 'SELECT * FROM response_links WHERE id = $1', [id]))!);
    await revokeLinks(c, link.caseId, link.party, [link.purpose], at);
  },
  /** Every open link of a party who has stopped all contact. */
  revokeAll: (c: Client, caseId: string, party: string, at: string) => revokeLinks(c, caseId, party, allPurposes, at),
};

export function pgLinks(pool: Pool, writes: PgWriteQueue): LinkStore {
  const link = async (sql: string, params: unknown[]) => {
    const r = await first<LinkRow>(pool, sql, params);
    return r && toLink(r);
  };
  const saveFeedback = async (c: Client, f: FeedbackRecord) => {
    if ((await useLink(c, f.linkId, f.at)) !== 1) return false;
    await c.query('INSERT INTO feedback (case_id, party, link_id, rating, comment, at) VALUES ($1, $2, $3, $4, $5, $6)', [f.caseId, f.party, f.linkId, f.rating, f.comment, f.at]);
    return true;
  };
  return {
    linkByTokenHash: (hash) => link('SELECT * FROM response_links WHERE token_hash = $1', [hash]),
    linksForNotice: async (noticeId) => (await all<LinkRow>(pool, 'SELECT * FROM response_links WHERE notice_id = $1 ORDER BY purpose COLLATE "C"', [noticeId])).map(toLink),
    openPartySession: (s) =>
      writes.run(async (c) => void (await c.query('INSERT INTO party_sessions (token_hash, link_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [s.tokenHash, s.linkId, s.createdAt, s.expiresAt]))),
    partySessionLink: (hash, now) =>
      link('SELECT l.* FROM party_sessions s JOIN response_links l ON l.id = s.link_id WHERE s.token_hash = $1 AND s.expires_at > $2', [hash, now]),
    saveFeedback: (f) => writes.run((c) => saveFeedback(c, f)),
    feedback: (caseId) =>
      all<FeedbackRecord>(pool, 'SELECT case_id AS "caseId", party, link_id AS "linkId", rating, comment, at FROM feedback WHERE case_id = $1 ORDER BY id', [caseId]),
  };
}
