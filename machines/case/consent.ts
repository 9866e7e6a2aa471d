import type { CaseContext } from './context.js';

/**
 * What a party may consent to, each on its own (RJC Code item A: consent is
 * informed, specific and can be withdrawn at any time): taking part at all, a
 * direct meeting, sharing what they say with the other party, being emailed or
 * phoned, and being asked for feedback.
 */
export const purposes = ['participation', 'directMeeting', 'shareInformation', 'emailContact', 'phoneContact', 'feedback'] as const;
export type Purpose = (typeof purposes)[number];

/** How staff heard a party's consent when they record it (RECORD_CONSENT). */
export const consentChannels = ['link', 'phone', 'in_person'] as const;

export type Party = 'victim' | 'offender';
export type ConsentStatus = 'given' | 'withdrawn';
/** Each party's consent per purpose, as last recorded; a purpose never recorded withholds nothing. */
export type Consent = Record<Party, Partial<Record<Purpose, ConsentStatus>>>;

export const noConsentRecorded = (): Consent => ({ victim: {}, offender: {} });

/**
 * One change of consent an entry records. `channel` is how it was given (an
 * answer through the party's own link, by phone, in person or by letter), or
 * null when staff recorded it without saying how.
 */
export interface ConsentChange {
  party: Party;
  purpose: Purpose;
  status: ConsentStatus;
  channel: string | null;
  informationVersion: string | null;
}

/** A history entry, or an event as the chart sees it (its payload is its data). */
interface EntryLike {
  type: string;
  actor: { kind: string };
  data: object;
}

const textOr = (v: unknown) => (typeof v === 'string' ? v : null);

/**
 * The consent an event (or its history entry: the same type, actor and payload)
 * records: a victim's "yes" and an offender who is willing give consent to take
 * part, a withdrawal withdraws it, and RECORD_CONSENT gives or withdraws each
 * purpose it names. The chart keeps the result in its context; the consent
 * ledger (src/cases/consentLedger.ts) reads the same from the history.
 */
export function consentChanges(entry: EntryLike): ConsentChange[] {
  const { type, actor } = entry;
  const data = entry.data as Record<string, unknown>;
  const party = data.party as Party;
  const byLink = actor.kind === 'party' ? 'link' : null;
  switch (type) {
    case 'VICTIM_RESPONDED': {
      if (data.response !== 'yes') return [];
      const given = data.informationGiven as { version?: unknown; how?: unknown } | undefined;
      const channel = byLink ?? textOr(given?.how);
      const informationVersion = textOr(data.informationVersion) ?? textOr(given?.version);
      return [{ party: 'victim', purpose: 'participation', status: 'given', channel, informationVersion }];
    }
    case 'RECORD_OFFENDER_RESPONSE':
      return data.response === 'willing' ? [{ party: 'offender', purpose: 'participation', status: 'given', channel: null, informationVersion: null }] : [];
    case 'WITHDRAW':
      return [{ party, purpose: 'participation', status: 'withdrawn', channel: byLink, informationVersion: null }];
    case 'RECORD_CONSENT': {
      const recorded = { party, channel: textOr(data.channel), informationVersion: textOr(data.informationVersion) };
      const listed = (key: string) => (Array.isArray(data[key]) ? (data[key] as Purpose[]) : []);
      return [
        ...listed('given').map((purpose) => ({ ...recorded, purpose, status: 'given' as const })),
        ...listed('withdrawn').map((purpose) => ({ ...recorded, purpose, status: 'withdrawn' as const })),
      ];
    }
    default:
      return [];
  }
}

/** Consent after these changes. */
export function withChanges(consent: Consent, changes: readonly ConsentChange[]): Consent {
  const next: Consent = { victim: { ...consent.victim }, offender: { ...consent.offender } };
  for (const c of changes) next[c.party][c.purpose] = c.status;
  return next;
}

/** A case's consent as its chart keeps it: none on charts older than v3, which did not keep it. */
export const consentOf = (context: CaseContext): Consent => (context as CaseContext & { consent?: Consent }).consent ?? noConsentRecorded();

export const hasWithdrawn = (context: CaseContext, party: Party, purpose: Purpose) => consentOf(context)[party][purpose] === 'withdrawn';
