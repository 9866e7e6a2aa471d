import { z } from 'zod';
import { purposes, type Purpose } from '../../machines/case/consent.js';
import type { CaseContext } from '../../machines/case/context.js';
import { parties, type Actor } from '../../machines/case/events.js';
import { partyConcerned, personalFields, recordEntryFields } from '../../machines/case/personalContent.js';
import { consentLedger, type ConsentEntry } from '../cases/consentLedger.js';
import { basisLabels } from '../privacy/lawfulBases.js';
import type { CaseRecord, FeedbackRecord, HistoryRecord, NoticeRecord } from '../store/store.js';
import { closureLabel, consentChannelLabels, day, deliveryWords, entryLabel, noticeWords, purposeLabels, when } from '../web/staff/caseWords.js';
import { redactedText, redactor, redactValue, type Identifiers } from './redaction.js';

/**
 * A subject access export (UK GDPR Article 15): everything the service holds about one party of one
 * case, with everyone else's identity redacted. Built from what the store holds (the referral, the
 * history, the notices, the feedback, the case's snapshot) by a pure function, so the JSON file and
 * the printable page are the same export.
 *
 * What is the subject's: their name and contact details, the referral's offence and agency, their
 * supporters, the history entries about them or about the case as a whole (`partyConcerned`), their
 * part of the consent ledger, the emails sent to them and their feedback. What is not: the other
 * party's details and their entries, the other party's supporters, the referrer's name and email, the
 * crime reference, and staff, who are named by role. Any of those identifiers in free text is
 * "[redacted]".
 */

export type Party = (typeof parties)[number];
export type ExportFormat = 'json' | 'html';

const partySchema = z.enum(parties);
/** The party a request names, if it names one: `victim` or `offender`, nothing else. */
export const readParty = (value: unknown): Party | undefined => partySchema.safeParse(value).data;

export const otherParty = (party: Party): Party => (party === 'victim' ? 'offender' : 'victim');

/** What the export is built from: the case as stored, and the staff its history names (for redaction). */
export interface SubjectAccessSources {
  record: Pick<CaseRecord, 'reference' | 'createdAt' | 'referral' | 'snapshot'>;
  history: HistoryRecord[];
  notices: NoticeRecord[];
  feedback: FeedbackRecord[];
  /** The staff the case names (actors, those allocated): their names and emails are redacted from free text. */
  staff: { name: string; email: string }[];
}

export interface ExportEntry {
  seq: number;
  at: string;
  type: string;
  what: string;
  by: string;
  /** The entry's content in words, redacted. */
  details: string[];
  /** The entry's data as stored, redacted, without staff ids; only coded fields once its content is erased. */
  data: Record<string, unknown>;
  erased: { at: string; reason: string; reasonText: string; text: string } | null;
}

export interface SubjectAccessExport {
  kind: 'subject_access_export';
  service: string;
  case: { reference: string };
  subject: Party;
  producedAt: string;
  producedBy: string;
  format: ExportFormat;
  about: string[];
  person: { name: string | null; email: string | null; phone: string | null };
  referral: {
    receivedAt: string;
    referringAgency: string | null;
    initiatedBy: string | null;
    criminalJusticeStage: string | null;
    offence: { type: string | null; date: string | null; description: string | null };
    flags: string[];
  };
  /** What the case records about the subject now, beside its history. */
  circumstances: { withdrawn: boolean; preferredProcess?: string | null; accessNeeds?: string | null; reofferAfter?: string | null };
  supporters: { name: string; email: string | null }[];
  history: ExportEntry[];
  notices: { at: string; what: string; status: string; statusText: string; attempts: number; sentAt: string | null }[];
  feedback: { at: string; rating: number; comment: string | null }[];
  /** Their consent, per purpose, from the consent ledger: where each stands now, and every change. */
  consent: {
    current: { purpose: Purpose; purposeText: string; status: 'given' | 'withdrawn' | null; at: string | null; how: string | null; informationVersion: string | null }[];
    entries: { seq: number; at: string; purpose: Purpose; purposeText: string; status: 'given' | 'withdrawn'; how: string; informationVersion: string | null; by: string }[];
  };
}

type Person = { name?: unknown; email?: unknown; phone?: unknown };

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);
const strings = (...values: unknown[]): string[] => values.flatMap((v) => (str(v) ? [v as string] : []));

const roleWords: Record<string, string> = { facilitator: 'a facilitator', supervisor: 'a supervisor', admin: 'an administrator' };

/** Who did it, by role only: staff are never named in an export. */
export function actorWords(actor: Pick<Actor, 'kind' | 'role'>): string {
  if (actor.kind === 'system') return 'the service';
  if (actor.kind === 'party') return `the ${actor.role}, through their link`;
  return roleWords[actor.role] ?? 'a member of staff';
}

const flagWords: Record<string, string> = {
  domesticAbuse: 'Domestic abuse',
  sexualOffence: 'Sexual offence',
  hateCrime: 'Hate crime',
  stalking: 'Stalking',
  youth: 'Youth',
  vulnerableVictim: 'Vulnerable victim',
};
/** Flags about the offence go to both parties; a flag about one of them only to them. */
const flagOwner: Record<string, Party | 'both'> = { vulnerableVictim: 'victim', youth: 'offender' };

const cjsWords: Record<string, string> = { out_of_court: 'Out of court', pre_sentence: 'Pre-sentence', post_sentence: 'Post-sentence', custody: 'In custody' };

const labels: Record<string, string> = {
  response: 'Answer',
  reofferAfter: 'Ask again after',
  preferredProcess: 'Preferred process',
  accessNeeds: 'Access needs',
  safeContact: 'Safe times and ways to contact',
  informationVersion: 'Information given (version)',
  informationGiven: 'Information given',
  level: 'Risk level',
  factors: 'Risk factors',
  mitigations: 'Mitigations',
  directContactAllowed: 'Direct contact allowed',
  decision: 'Decision',
  process: 'Process',
  facilitatorIds: 'Facilitators',
  startsAt: 'Starts',
  heldAt: 'Held',
  venue: 'Venue',
  party: 'Party',
  name: 'Name',
  email: 'Email address',
  phone: 'Phone',
  attendees: 'Attendees',
  agreement: 'Agreement',
  itemId: 'Agreement item',
  taskId: 'Task',
  until: 'Until',
  summary: 'Summary',
  note: 'Note',
  text: 'Note',
  reason: 'Reason',
  basis: 'Lawful reason',
  erasedSeqs: 'Entries erased',
  format: 'Format',
  given: 'Consent given for',
  withdrawn: 'Consent withdrawn for',
  channel: 'How',
  fromVersion: 'From rules version',
  toVersion: 'To rules version',
};

const codeWords = (v: string) => (/^[a-z]+(_[a-z]+)+$/.test(v) ? v.replaceAll('_', ' ') : v);

function valueWords(key: string, value: unknown): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    if (key === 'reason') return closureLabel(value) || value;
    if (key === 'basis') return basisLabels[value] ?? codeWords(value);
    if (key === 'format') return value === 'json' ? 'JSON file' : value === 'html' ? 'printable page' : value;
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return day(value);
    if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return when(value);
    return codeWords(value);
  }
  if (Array.isArray(value)) {
    if (key === 'facilitatorIds') return value.map(() => 'a facilitator').join(', ');
    if (key === 'agreement') {
      return value.length
        ? value.map((i: { action?: string; owner?: string; dueDate?: string }) => `${i.action ?? ''} (${i.owner ?? ''}, by ${i.dueDate ? day(i.dueDate) : 'no date'})`).join('; ')
        : 'no items';
    }
    return value.map((v) => valueWords('', v)).join(', ');
  }
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${labels[k] ?? k}: ${valueWords(k, v)}`)
      .join('; ');
  }
  return 'none';
}

/** An entry's data in words, one line a field. */
const detailLines = (data: Record<string, unknown>) =>
  Object.entries(data)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${labels[k] ?? k}: ${valueWords(k, v)}`);

const personalKeys = (type: string): readonly string[] | undefined =>
  (personalFields as Record<string, readonly string[]>)[type] ?? recordEntryFields[type];

/** The entry's data with its free text redacted (all of it for a type not known to be coded) and staff ids left out. */
function exportedData(type: string, data: Record<string, unknown>, redact: (text: string) => string): Record<string, unknown> {
  const personal = personalKeys(type);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (key === 'facilitatorIds') continue;
    out[key] = !personal || personal.includes(key) ? redactValue(value, redact) : value;
  }
  return out;
}

/** The identifiers of everyone but the subject, wherever the case holds them (the referral, the history, the snapshot). */
function othersIdentifiers(sources: SubjectAccessSources, subject: Party): { others: Identifiers; own: string[] } {
  const referral = sources.record.referral as { referrer?: Person } & Partial<Record<Party, Person>>;
  const other = otherParty(subject);
  const names: string[] = [];
  const emails: string[] = [];
  const phones: string[] = [];
  const own: string[] = strings(referral[subject]?.name);
  const add = (p: Person | undefined) => {
    names.push(...strings(p?.name));
    emails.push(...strings(p?.email));
    phones.push(...strings(p?.phone));
  };
  add(referral[other]);
  add({ name: referral.referrer?.name, email: referral.referrer?.email });
  for (const h of sources.history) {
    const concerns = partyConcerned(h.type, h.data, h.actor);
    // Details the other party gave or had corrected, and the supporters added for them, earlier values included.
    if (h.type === 'ADD_SUPPORTER' || h.type === 'CORRECT_PARTY_DETAILS') {
      if (concerns === other) add(h.data as Person);
      else if (concerns === subject && h.type === 'CORRECT_PARTY_DETAILS') own.push(...strings(h.data.name));
    }
  }
  for (const s of contextOf(sources).supporters ?? []) if (s.party !== subject) add({ name: s.name, email: s.email });
  const wholeNames = sources.staff.map((s) => s.name);
  emails.push(...sources.staff.map((s) => s.email));
  return { others: { names, wholeNames, emails, phones }, own };
}

const contextOf = (sources: SubjectAccessSources): Partial<CaseContext> =>
  ((sources.record.snapshot as { context?: Partial<CaseContext> } | null)?.context ?? {}) as Partial<CaseContext>;

const consentHow = (e: ConsentEntry) => (e.channel ? (consentChannelLabels[e.channel] ?? e.channel) : 'recorded by staff');

/** The subject's part of the consent ledger (coded fields only: nothing in it to redact). */
function consentOfSubject(history: readonly HistoryRecord[], subject: Party): SubjectAccessExport['consent'] {
  const ledger = consentLedger([...history].sort((a, b) => a.seq - b.seq));
  const current = ledger.current[subject];
  return {
    current: purposes.map((purpose) => {
      const e = current[purpose];
      return { purpose, purposeText: purposeLabels[purpose].text, status: e?.status ?? null, at: e?.at ?? null, how: e ? consentHow(e) : null, informationVersion: e?.informationVersion ?? null };
    }),
    entries: ledger.entries
      .filter((e) => e.party === subject)
      .map((e) => ({ seq: e.seq, at: e.at, purpose: e.purpose, purposeText: purposeLabels[e.purpose].text, status: e.status, how: consentHow(e), informationVersion: e.informationVersion, by: actorWords(e.actor) })),
  };
}

const about = (subject: Party): string[] => [
  `This is everything the service holds about the ${subject} of this case: their details from the referral, the case history entries about them or about the case as a whole, their consent, the emails sent to them, their supporters and their feedback.`,
  `The other party’s name and contact details, the other party’s own entries and supporters, the referrer’s name and email, and the names of staff (who are named by their role) are left out. Where a free text mentions any of them, each mention is shown as “${redactedText}”.`,
  'Where a history entry’s content has been erased, the entry shows when and why.',
  'Producing this export is recorded in the case’s history.',
];

/** The export, from what the store holds; pure. */
export function buildSubjectAccessExport(
  sources: SubjectAccessSources,
  subject: Party,
  produced: { at: string; format: ExportFormat; service: string },
): SubjectAccessExport {
  const { others, own } = othersIdentifiers(sources, subject);
  const redact = redactor(others, { names: own });
  const text = (v: unknown) => (str(v) === null ? null : redact(v as string));
  const referral = sources.record.referral as {
    referrer?: { agency?: unknown };
    offence?: { type?: unknown; date?: unknown; description?: unknown };
    cjsStage?: unknown;
    initiatedBy?: unknown;
    flags?: Record<string, unknown>;
  } & Partial<Record<Party, Person>>;
  const person = referral[subject] ?? {};
  const context = contextOf(sources);

  const history: ExportEntry[] = [...sources.history]
    .sort((a, b) => a.seq - b.seq)
    .filter((h) => [subject, 'both'].includes(partyConcerned(h.type, h.data, h.actor)))
    .map((h) => {
      const data = exportedData(h.type, h.data, redact);
      const reasonText = h.erased ? (basisLabels[h.erased.reason] ?? codeWords(h.erased.reason)) : '';
      return {
        seq: h.seq,
        at: h.at,
        type: h.type,
        what: entryLabel(h.type, h.data),
        by: actorWords(h.actor),
        details: detailLines({ ...data, ...(Array.isArray(h.data.facilitatorIds) ? { facilitatorIds: h.data.facilitatorIds } : {}) }),
        data,
        erased: h.erased ? { at: h.erased.at, reason: h.erased.reason, reasonText, text: `Content erased on ${day(h.erased.at)} under: ${reasonText}` } : null,
      };
    });

  const victim = context.victim;
  return {
    kind: 'subject_access_export',
    service: produced.service,
    case: { reference: sources.record.reference },
    subject,
    producedAt: produced.at,
    producedBy: 'a supervisor',
    format: produced.format,
    about: about(subject),
    person: { name: str(person.name), email: str(person.email), phone: str(person.phone) },
    referral: {
      receivedAt: sources.record.createdAt,
      referringAgency: str(referral.referrer?.agency),
      initiatedBy: str(referral.initiatedBy),
      // Where the offender stands in the criminal justice system is the offender's.
      criminalJusticeStage: subject === 'offender' ? (cjsWords[String(referral.cjsStage)] ?? str(referral.cjsStage)) : null,
      offence: { type: text(referral.offence?.type), date: str(referral.offence?.date), description: text(referral.offence?.description) },
      flags: Object.entries(referral.flags ?? {})
        .filter(([flag, on]) => on === true && [subject, 'both', undefined].includes(flagOwner[flag]))
        .map(([flag]) => flagWords[flag] ?? flag),
    },
    circumstances:
      subject === 'victim'
        ? { withdrawn: victim?.withdrawn ?? false, preferredProcess: victim?.preferredProcess ?? null, accessNeeds: text(victim?.accessNeeds), reofferAfter: victim?.reofferAfter ?? null }
        : { withdrawn: context.offender?.withdrawn ?? false },
    supporters: (context.supporters ?? []).filter((s) => s.party === subject).map((s) => ({ name: s.name, email: str(s.email) })),
    history,
    notices: sources.notices
      .filter((n) => n.recipient === subject)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.seq - b.seq)
      .map((n) => ({
        at: n.createdAt,
        what: noticeWords(n.template),
        status: n.status,
        statusText: deliveryWords[n.status] ?? n.status,
        attempts: n.attempts,
        sentAt: n.sentAt,
      })),
    feedback: sources.feedback
      .filter((f) => f.party === subject)
      .sort((a, b) => a.at.localeCompare(b.at))
      .map((f) => ({ at: f.at, rating: f.rating, comment: text(f.comment) })),
    consent: consentOfSubject(sources.history, subject),
  };
}
