import { rectificationBasis } from '../../privacy/lawfulBases.js';
import type { Db } from '../database.js';
import type { EventCommit } from '../store.js';
import { historyWrites } from './history.js';

type Correction = NonNullable<EventCommit['correctParty']>;

/** Statements per connection: a correction is rare, but runs inside a group commit that should not prepare them each time. */
const statementsOf = new WeakMap<Db, ReturnType<typeof statements>>();
function statements(db: Db) {
  return {
    setPerson: db.prepare('UPDATE cases SET referral = json_set(referral, ?, json(?)) WHERE id = ?'),
    // The party is a coded field, kept in the chained row itself.
    earlier: db
      .prepare("SELECT seq FROM history WHERE case_id = ? AND type = 'CORRECT_PARTY_DETAILS' AND json_extract(data, '$.party') = ? ORDER BY seq")
      .pluck(),
    chain: historyWrites(db),
  };
}

/**
 * A party's details corrected (UK GDPR Article 16), inside the event's own
 * transaction and before its history entry is appended: the referral holds
 * the corrected details in place of the party's (an email or phone left out
 * is none on record), and the content of the party's earlier corrections,
 * superseded now, is erased, so their old details are kept nowhere.
 */
export function correctPartyDetails(db: Db, caseId: string, { party, name, email, phone }: Correction, at: string): void {
  let q = statementsOf.get(db);
  if (!q) statementsOf.set(db, (q = statements(db)));
  const person = { name, ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
  q.setPerson.run(`$.${party}`, JSON.stringify(person), caseId);
  q.chain.eraseContent(q.earlier.all(caseId, party) as number[], at, rectificationBasis);
}
