import type { CaseRecord } from '../../../store/store.js';
import { parties } from '../../../../machines/case/events.js';
import type { SubjectAccessExport } from '../../../subjectAccess/subjectAccessExport.js';
import { day, when } from '../caseWords.js';

const row = (key: string, value: string | null | undefined) => ({ key: { text: key }, value: { text: value ?? 'Not recorded' } });

const partyWords = { victim: 'Victim', offender: 'Offender' } as const;
const initiatedWords: Record<string, string> = { victim: 'The victim', offender: 'The offender', agency: 'The referring agency' };

export const exportPaths = (caseId: string, party: string) => ({
  page: `/cases/${caseId}/subject-access/${party}`,
  json: `/cases/${caseId}/subject-access/${party}.json`,
});

/** The chooser: whose export, as a printable page or a JSON file, and what it holds. */
export function chooserPresenter(record: Pick<CaseRecord, 'id' | 'reference' | 'referral'>) {
  const referral = record.referral as Partial<Record<(typeof parties)[number], { name?: string }>>;
  return {
    title: `Subject access export for case ${record.reference}`,
    caseHref: `/cases/${record.id}`,
    parties: parties.map((party) => ({
      party,
      label: partyWords[party],
      name: referral[party]?.name ?? 'Not recorded',
      ...exportPaths(record.id, party),
    })),
  };
}

/** The printable export: the same export as the JSON file, in sections. */
export function exportPresenter(caseId: string, x: SubjectAccessExport) {
  const c = x.circumstances;
  return {
    title: `Subject access export: the ${x.subject} of case ${x.case.reference}`,
    caseHref: `/cases/${caseId}`,
    chooserHref: `/cases/${caseId}/subject-access`,
    jsonHref: exportPaths(caseId, x.subject).json,
    subject: x.subject,
    reference: x.case.reference,
    serviceName: x.service,
    produced: { at: x.producedAt, text: when(x.producedAt), by: x.producedBy },
    about: x.about,
    person: [row('Name', x.person.name), row('Email address', x.person.email), row('Phone', x.person.phone)],
    referral: [
      row('Received', when(x.referral.receivedAt)),
      row('Referring agency', x.referral.referringAgency),
      row('Referral started by', x.referral.initiatedBy ? (initiatedWords[x.referral.initiatedBy] ?? x.referral.initiatedBy) : null),
      row('Offence', x.referral.offence.type),
      row('Date of the offence', x.referral.offence.date ? day(x.referral.offence.date) : null),
      row('Description of the offence', x.referral.offence.description),
      ...(x.referral.criminalJusticeStage ? [row('Criminal justice stage', x.referral.criminalJusticeStage)] : []),
      row('Flags', x.referral.flags.join(', ') || 'None'),
    ],
    circumstances: [
      row('Withdrawn from restorative justice', c.withdrawn ? 'Yes' : 'No'),
      ...(x.subject === 'victim'
        ? [
            row('Preferred process', c.preferredProcess ?? null),
            row('Access needs', c.accessNeeds ?? null),
            ...(c.reofferAfter ? [row('Ask again after', day(c.reofferAfter))] : []),
          ]
        : []),
    ],
    supporters: x.supporters.map((s) => ({ name: s.name, email: s.email ?? 'Not recorded' })),
    history: x.history.map((h) => ({
      seq: h.seq,
      at: h.at,
      when: when(h.at),
      what: h.what,
      by: h.by,
      details: h.details,
      erased: h.erased?.text ?? null,
    })),
    notices: x.notices.map((n) => ({
      at: n.at,
      when: when(n.at),
      what: n.what.charAt(0).toUpperCase() + n.what.slice(1),
      status: n.statusText.charAt(0).toUpperCase() + n.statusText.slice(1),
      sent: n.sentAt ? when(n.sentAt) : 'Not sent',
    })),
    consent: x.consent.current.map((c) =>
      row(c.purposeText, c.status ? `${c.status === 'given' ? 'Given' : 'Withdrawn'} on ${when(c.at!)}, ${c.how}${c.informationVersion ? `, information ${c.informationVersion}` : ''}` : 'Not recorded'),
    ),
    consentEntries: x.consent.entries.map((e) => ({
      at: e.at,
      when: when(e.at),
      purpose: e.purposeText,
      status: e.status === 'given' ? 'Given' : 'Withdrawn',
      how: e.how,
      information: e.informationVersion ?? 'Not recorded',
      by: e.by,
    })),
    feedback: x.feedback.map((f) => ({ at: f.at, when: when(f.at), rating: `${f.rating} out of 5`, comment: f.comment ?? 'No comment' })),
  };
}
