import Handlebars from 'handlebars';
import type { ChainResult } from '../../../audit/caseAudit.js';
import type { BrokenEntry } from '../../../store/store.js';
import { deliveryWords, when } from '../caseWords.js';
import { entryKinds, integrityWords, type AuditEntry, type EntryKind } from './auditTrail.js';
import type { HistoryQuery } from './query.js';

const kindLabels: Record<EntryKind, string> = { events: 'Events', notices: 'Emails', views: 'Views and exports' };

const esc = Handlebars.escapeExpression;

/** The audited history page: filters, exports, the integrity of the case's entries and the chain, and the entries. */
export function historyPresenter(c: { id: string; reference: string }, entries: AuditEntry[], broken: BrokenEntry[], query: HistoryQuery, chain?: ChainResult) {
  const base = `/cases/${c.id}/history`;
  return {
    title: `Audited history of case ${c.reference}`,
    caseHref: `/cases/${c.id}`,
    action: base,
    kindOptions: entryKinds.map((k) => ({ value: k, text: kindLabels[k], checked: query.show.includes(k) })),
    shown: query.show,
    exports: [
      { text: 'Download the history as CSV', href: `${base}.csv` },
      { text: 'Download the history as JSON', href: `${base}.json` },
    ],
    broken: broken.map((b) => ({ href: `#entry-${b.seq}`, text: `Entry ${b.seq}: ${integrityWords[b.problem].replace(/^Broken: /, '')}` })),
    chain: chain && {
      ok: chain.check.ok,
      text: chain.check.ok
        ? `The whole history chain is intact: all ${chain.check.events.toLocaleString('en-GB')} entries of every case check out.`
        : chain.firstBroken?.reference
          ? `The history chain is broken. The first broken entry is entry ${chain.firstBroken.seq}, on case ${chain.firstBroken.reference}. Entries from there on cannot be trusted until it is investigated.`
          : `The history chain is broken after entry ${(chain.firstBroken?.seq ?? 1) - 1}: entries recorded after it are missing.`,
      link: chain.firstBroken?.caseId
        ? { href: `/cases/${chain.firstBroken.caseId}/history?check=chain#entry-${chain.firstBroken.seq}`, text: `Go to entry ${chain.firstBroken.seq}` }
        : undefined,
    },
    empty: entries.length === 0,
    rows: entries.map((e) => ({
      anchor: e.anchor,
      kind: e.kind,
      kindLabel: kindLabels[e.kind],
      seq: e.seq,
      when: when(e.at),
      at: e.at,
      who: e.who,
      what: e.what,
      broken: e.integrity !== null && e.integrity !== 'intact',
      integrity: e.integrity,
      details: new Handlebars.SafeString(
        [
          ...(e.from && e.to ? [`${e.from.words === e.to.words ? `Stayed ${e.to.words}` : `From ${e.from.words} to ${e.to.words}`} <span class="app-state-id">(${esc(e.from.state ?? 'new')} → ${esc(e.to.state)})</span>`] : []),
          ...e.changes.map(esc),
          ...(e.delivery
            ? [
                `Delivery: ${esc(deliveryWords[e.delivery.status] ?? e.delivery.status)}, ${e.delivery.attempts} ${e.delivery.attempts === 1 ? 'attempt' : 'attempts'}${e.delivery.sentAt ? `, sent ${esc(when(e.delivery.sentAt))}` : ''}`,
                ...(e.delivery.lastError ? [`Last error: ${esc(e.delivery.lastError)}`] : []),
              ]
            : []),
        ]
          .map((line) => `<p class="govuk-body-s govuk-!-margin-bottom-1">${line}</p>`)
          .join(''),
      ),
      integrityText: e.integrity ? integrityWords[e.integrity] : '',
    })),
  };
}
