import { rectificationBasis } from '../../privacy/lawfulBases.js';
import type { EventCommit } from '../store.js';
import type { Client } from './database.js';
import { eraseContent } from './history.js';
import { all, first } from './query.js';

/**
 * A party's details corrected, inside the event's transaction and before its history entry, as
 * src/store/sqlite/rectification.ts does it: the referral holds the corrected details, and the content
 * of the party's earlier corrections is erased.
 */
export async function pgCorrectPartyDetails(c: Client, caseId: string, { party, name, email, phone }: NonNullable<EventCommit['correctParty']>, at: string) {
  const person = { name, ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
  // Set in JS, not with jsonb_set: jsonb would reorder the referral's keys and respace its text.
  const { referral } = (await first<{ referral: string }>(c, 'SELECT referral FROM cases WHERE id = $1', [caseId]))!;
  await c.query('UPDATE cases SET referral = $1 WHERE id = $2', [JSON.stringify({ ...JSON.parse(referral), [party]: person }), caseId]);
  const earlier = await all<{ seq: number }>(c, "SELECT seq FROM history WHERE case_id = $1 AND type = 'CORRECT_PARTY_DETAILS' AND data::jsonb ->> 'party' = $2 ORDER BY seq", [caseId, party]);
  await eraseContent(c, earlier.map((r) => r.seq), at, rectificationBasis);
}
