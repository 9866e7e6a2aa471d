import { purposes, type Party, type Purpose } from '../../../../machines/case/consent.js';
import type { EventType } from '../../../../machines/case/events.js';
import type { ConsentEntry, ConsentLedger } from '../../../cases/consentLedger.js';
import { actorName, consentChannelLabels, purposeLabels, when } from '../caseWords.js';

/** What staff must not do once a party withdrew each consent: said beside the party's details. */
const withheld: Record<Purpose, (party: Party, other: Party) => string> = {
  participation: (p) => `The ${p} withdrew from taking part: do not contact them about this case.`,
  directMeeting: (p, o) => `No direct meeting: the ${p} withdrew consent to meet the ${o}.`,
  shareInformation: (p, o) => `Do not share what the ${p} says with the ${o}: they withdrew consent to sharing information.`,
  emailContact: (p) => `Do not email the ${p}: they withdrew consent to email contact. The service sends them no email.`,
  phoneContact: (p) => `Do not phone the ${p}: they withdrew consent to phone contact.`,
  feedback: (p) => `Do not ask the ${p} for feedback: they withdrew consent to being asked.`,
};

const how = (e: ConsentEntry) => (e.channel ? consentChannelLabels[e.channel] ?? e.channel : 'recorded by staff');
const statusWord = (e: ConsentEntry) => (e.status === 'given' ? 'Given' : 'Withdrawn');

/** One entry in words: "Given on 23 November 2026 at 10:00am, by phone, information rj-information-2026-11, recorded by Fran (facilitator)". */
function entryWords(e: ConsentEntry, names: Map<string, string>): string {
  const information = e.informationVersion ? `, information ${e.informationVersion}` : '';
  return `${statusWord(e)} on ${when(e.at)}, ${how(e)}${information}, recorded by ${actorName(e.actor, names)}`;
}

/**
 * Each party's consent on the case page: the current standing of every purpose
 * (a summary card, with a link to record their consent when the chart allows it),
 * every entry of the ledger (a table, newest first), and what staff must not do
 * because of a withdrawal.
 */
export function consentPanels(ledger: ConsentLedger, caseId: string, allowed: readonly EventType[], names: Map<string, string>) {
  const recordable = allowed.includes('RECORD_CONSENT');
  return (['victim', 'offender'] as const).map((party) => {
    const other = party === 'victim' ? 'offender' : 'victim';
    const current = ledger.current[party];
    const entries = ledger.entries.filter((e) => e.party === party).reverse();
    return {
      party,
      card: {
        title: { text: `The ${party}'s consent`, headingLevel: 3 },
        ...(recordable
          ? { actions: { items: [{ href: `/cases/${caseId}/events/RECORD_CONSENT?party=${party}`, text: 'Record consent' }] } }
          : {}),
      },
      rows: purposes.map((purpose) => {
        const entry = current[purpose];
        return {
          key: { text: purposeLabels[purpose].text },
          value: { text: entry ? entryWords(entry, names) : 'Not recorded' },
          attributes: { 'data-consent': `${party}.${purpose}`, 'data-status': entry?.status ?? 'none' },
        };
      }),
      ledger: {
        caption: `Every consent the ${party} gave or withdrew, newest first`,
        captionClasses: 'govuk-table__caption--s',
        head: [{ text: 'When' }, { text: 'Consent to' }, { text: 'Given or withdrawn' }, { text: 'How' }, { text: 'Information' }, { text: 'Recorded by' }],
        rows: entries.map((e) => [
          { text: when(e.at) },
          { text: purposeLabels[e.purpose].text },
          { text: statusWord(e) },
          { text: how(e) },
          { text: e.informationVersion ?? 'Not recorded' },
          { text: actorName(e.actor, names) },
        ]),
      },
      warnings: purposes.filter((p) => current[p]?.status === 'withdrawn').map((p) => withheld[p](party, other)),
    };
  });
}
