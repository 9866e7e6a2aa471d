import type { RetentionRecord } from '../../../store/store.js';
import { day } from '../caseWords.js';

/** A supervisor's view of what the case keeps about people, until when, and what they can do about it. */
export function personalDataPanel(caseId: string, closed: boolean, retention: RetentionRecord | undefined) {
  const kept = !closed
    ? 'Kept while the case is open. Once it closes, it is kept until its retention date, then anonymised.'
    : retention?.anonymisedAt
      ? `Anonymised on ${day(retention.anonymisedAt)}: names, contact details and free text were erased; the coded record stays.`
      : retention?.hold
        ? `On legal hold since ${day(retention.hold.placedAt)}: ${retention.hold.reason}. Kept until the hold is lifted.`
        : retention
          ? `Kept until ${day(retention.retainUntil)}, then anonymised by the daily sweep.`
          : 'The retention date is set at the next daily sweep.';
  const links = [
    { href: `/cases/${caseId}/subject-access`, text: 'Subject access export for the victim or the offender' },
    ...(retention?.anonymisedAt ? [] : [{ href: `/cases/${caseId}/erase`, text: 'Erase a party’s personal data on request' }]),
    ...(closed && retention && !retention.anonymisedAt
      ? [retention.hold ? { href: `/cases/${caseId}/legal-hold/lift`, text: 'Lift the legal hold' } : { href: `/cases/${caseId}/legal-hold`, text: 'Place a legal hold' }]
      : []),
  ];
  return { kept, links };
}
