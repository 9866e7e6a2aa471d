import type { CaseContext } from '../../machines/case/context.js';
import type { Actor } from '../../machines/case/events.js';
import { erasedText, partyConcerned, recordEntryFields, scrubContext, splitContent, type Party } from '../../machines/case/personalContent.js';
import { resealDigest } from './chainRule.mjs';
import { commitContent } from './historyChain.js';
import type { ErasureRequest, RetentionRecord } from './store.js';

/**
 * What an erasure removes and how a case's retention reads, the same in both dialects: each store's
 * privacy module (src/store/sqlite/privacy.ts, src/store/postgres/privacy.ts) runs only its own SQL around these.
 */

export interface RetentionRow {
  id: string;
  reference: string;
  closed_at: string;
  closure_reason: string | null;
  retain_until: string;
  anonymised_at: string | null;
  hold_reason: string | null;
  placed_by: string | null;
  placed_at: string | null;
}

export const toRetention = (r: RetentionRow): RetentionRecord => ({
  caseId: r.id,
  reference: r.reference,
  closedAt: r.closed_at,
  closureReason: r.closure_reason,
  retainUntil: r.retain_until,
  anonymisedAt: r.anonymised_at,
  hold: r.hold_reason === null ? null : { reason: r.hold_reason, placedBy: r.placed_by!, placedAt: r.placed_at! },
});

export const retentionColumns = `c.id, c.reference, c.closed_at, c.closure_reason, c.retain_until, c.anonymised_at, l.reason AS hold_reason, l.placed_by, l.placed_at
  FROM cases c LEFT JOIN legal_holds l ON l.case_id = c.id`;

/** The referral with the party's details (or, for 'all', every person's, and the offence's free text) erased; its codes stay. */
function scrubReferral(referral: Record<string, unknown>, party: Party | 'all'): Record<string, unknown> {
  const erasePerson = () => ({ name: erasedText });
  const offence = referral.offence as Record<string, unknown> | undefined;
  const scrubbed: Record<string, unknown> = {
    ...referral,
    // The offence's description may name anyone, so it goes with either party's content; its type and date stay.
    offence: offence && { type: offence.type, date: offence.date, description: erasedText },
  };
  if (party !== 'offender') scrubbed.victim = erasePerson();
  if (party !== 'victim') scrubbed.offender = erasePerson();
  if (party === 'all') scrubbed.referrer = { agency: (referral.referrer as Record<string, unknown> | undefined)?.agency, name: erasedText };
  return scrubbed;
}

/** The case's stored referral and snapshot with the party's content erased, and whom its notices to them are addressed to. */
export function scrubCase(row: { referral: string; snapshot: string }, party: Party | 'all') {
  const snapshot = JSON.parse(row.snapshot) as { context: CaseContext };
  return {
    referral: JSON.stringify(scrubReferral(JSON.parse(row.referral), party)),
    snapshot: JSON.stringify({ ...snapshot, context: scrubContext(snapshot.context, party) }),
    // The party and their supporters, as notices name them.
    recipients: [party, ...snapshot.context.supporters.filter((p) => party === 'all' || p.party === party).map((p) => `supporter:${p.id}`)],
  };
}

export type Concerned = (h: { type: string; data: Record<string, unknown>; actor: Actor }) => boolean;

/** Whether a history entry holds the party's content. The record of how the service handled the case's data (erasures, holds) is staff's, not a party's: only anonymisation takes it. */
export const concernedBy =
  (party: Party | 'all'): Concerned =>
  (h) =>
    party === 'all' || (!(h.type in recordEntryFields) && [party, 'both'].includes(partyConcerned(h.type, h.data, h.actor)));

/** A history row's columns as stored; before the rule-2 checkpoint its content is still in its data. */
export interface StoredHistoryRow {
  seq: number;
  case_id: string;
  type: string;
  actor: string;
  at: string;
  from_state: string | null;
  to_state: string;
  data: string;
}

/**
 * A rule-1 row resealed: it keeps only its coded data and a commitment to what was removed (whose salt is
 * not kept), and its digest goes into the erasure entry. Undefined when the row holds none of the content concerned.
 */
export function resealRow(h: StoredHistoryRow, concerned: Concerned): { data: string; commitment: string; digest: string } | undefined {
  const data = JSON.parse(h.data) as Record<string, unknown>;
  const { coded, content } = splitContent(h.type, data);
  if (!content || !concerned({ type: h.type, data, actor: JSON.parse(h.actor) as Actor })) return undefined;
  const codedJson = JSON.stringify(coded);
  const { commitment } = commitContent(JSON.stringify(content));
  const digest = resealDigest(JSON.stringify([h.seq, h.case_id, h.type, h.actor, h.at, h.from_state, h.to_state, codedJson, commitment]));
  return { data: codedJson, commitment, digest };
}

/** The PERSONAL_DATA_ERASED entry's data: what was erased, on what basis, and the rows resealed. */
export const erasureEntryData = (r: ErasureRequest, erasedSeqs: number[], resealed: [number, string][]) => ({
  party: r.party,
  basis: r.basis,
  erasedSeqs,
  ...(resealed.length ? { resealed } : {}),
  ...(r.note ? { note: r.note } : {}),
});
