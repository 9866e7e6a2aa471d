import { consentChanges, type ConsentStatus, type Party, type Purpose } from '../../machines/case/consent.js';
import type { Actor } from '../../machines/case/events.js';
import type { HistoryRecord } from '../store/store.js';

/** One consent given or withdrawn: for whom, what, when, how, on which information, and who recorded it. */
export interface ConsentEntry {
  party: Party;
  purpose: Purpose;
  status: ConsentStatus;
  at: string;
  /** `link` (the party's own answer), `phone`, `in_person` or `letter`; null when staff recorded it without saying how. */
  channel: string | null;
  informationVersion: string | null;
  actor: Actor;
  seq: number;
}

export interface ConsentLedger {
  /** Every change of consent, in the order it was recorded. */
  entries: ConsentEntry[];
  /** Each party's latest entry per purpose; a purpose with none was never recorded. */
  current: Record<Party, Partial<Record<Purpose, ConsentEntry>>>;
}

/**
 * Each party's consent, per purpose, built from the case's history alone, by the
 * same reading of each entry as the chart's (consentChanges): a victim's "yes"
 * and a willing offender give consent to take part, a withdrawal withdraws it,
 * and RECORD_CONSENT gives or withdraws what it names. Only coded fields are
 * read, so the ledger stands after a party's personal content is erased.
 */
export function consentLedger(history: readonly HistoryRecord[]): ConsentLedger {
  const entries = history.flatMap((h) =>
    consentChanges(h).map((c): ConsentEntry => ({ ...c, at: h.at, actor: h.actor, seq: h.seq })),
  );
  const current: ConsentLedger['current'] = { victim: {}, offender: {} };
  for (const e of entries) current[e.party][e.purpose] = e;
  return { entries, current };
}
