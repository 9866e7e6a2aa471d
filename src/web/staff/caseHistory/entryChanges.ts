import { stateLabel } from '../../../../machines/case/stateLabels.js';
import type { HistoryRecord } from '../../../store/store.js';
import { basisLabels } from '../../../privacy/lawfulBases.js';
import { closureLabel, consentChannelLabels, day, purposeLabels, when } from '../caseWords.js';

/**
 * A history row's data as readable changes ("Risk level: medium → high"), not raw
 * JSON. Fields that describe where the case stands are followed through the
 * history, so a new value is shown against the one it replaced; the rest (notes,
 * reasons) are shown as recorded.
 */

const labels: Record<string, string> = {
  level: 'Risk level',
  factors: 'Risk factors',
  directContactAllowed: 'Direct contact allowed',
  decision: 'Decision',
  process: 'Process',
  preferredProcess: 'Preferred process',
  facilitatorIds: 'Facilitators',
  startsAt: 'Conference starts',
  venue: 'Venue',
  party: 'Party',
  name: 'Name',
  email: 'Email address',
  phone: 'Phone number',
  given: 'Consent given to',
  withdrawn: 'Consent withdrawn from',
  channel: 'How they told us',
  informationVersion: 'Information version',
  attendees: 'Attendees',
  agreement: 'Agreement',
  itemId: 'Agreement item',
  taskId: 'Task',
  until: 'Paused until',
  informationGiven: 'Information given',
  summary: 'Summary',
  note: 'Note',
  text: 'Note',
  reason: 'Reason',
  fromVersion: 'From rules version',
  toVersion: 'To rules version',
  basis: 'Lawful reason',
  erasedSeqs: 'Entries erased',
  resealed: 'Entries resealed',
};

/** Whose answer a `response` is depends on the step. */
const labelOf = (type: string, key: string) =>
  key === 'response' ? (type === 'RECORD_OFFENDER_RESPONSE' ? "Offender's answer" : "Victim's answer") : (labels[key] ?? key);

/** Fields followed from row to row: where the case stands, not what was said. */
const followed = new Set(['level', 'directContactAllowed', 'process', 'preferredProcess', 'facilitatorIds', 'startsAt', 'venue', 'response', 'until']);

const words = (v: string) => v.replaceAll('_', ' ');

function valueText(key: string, value: unknown, names: Map<string, string>): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    if (key === 'reason') return closureLabel(value) || value;
    if (key === 'basis') return basisLabels[value] ?? words(value);
    if (key === 'channel') return consentChannelLabels[value] ?? words(value);
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return day(value);
    if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return when(value);
    return /^[a-z]+(_[a-z]+)+$/.test(value) ? words(value) : value;
  }
  if (Array.isArray(value)) {
    if (key === 'given' || key === 'withdrawn') return value.map((p) => purposeLabels[p as keyof typeof purposeLabels]?.text ?? String(p)).join(', ');
    if (key === 'facilitatorIds') return value.map((id) => names.get(String(id)) ?? 'a former member of staff').join(', ');
    if (key === 'erasedSeqs' || key === 'resealed') return `${value.length} (${value.map((v) => `#${Array.isArray(v) ? v[0] : v}`).join(', ')})`;
    if (key === 'agreement')
      return value.length
        ? value.map((i: { action?: string; owner?: string; dueDate?: string }) => `${i.action} (${i.owner}, by ${i.dueDate ? day(i.dueDate) : 'no date'})`).join('; ')
        : 'no items';
    return value.map((v) => valueText('', v, names)).join(', ');
  }
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${labels[k] ?? words(k)}: ${valueText(k, v, names)}`)
      .join('; ');
  }
  return 'none';
}

/** Each row's changes, in the order of the rows given (oldest first). */
export function entryChanges(history: HistoryRecord[], names: Map<string, string>): Map<number, string[]> {
  const seen = new Map<string, string>();
  const out = new Map<number, string[]>();
  for (const row of [...history].sort((a, b) => a.seq - b.seq)) {
    const lines: string[] = [];
    for (const [key, value] of Object.entries(row.data ?? {})) {
      if (value === undefined || value === null || value === '') continue;
      const label = labelOf(row.type, key);
      const text = valueText(key, value, names);
      const before = followed.has(key) ? seen.get(label) : undefined;
      lines.push(before !== undefined && before !== text ? `${label}: ${before} → ${text}` : `${label}: ${text}`);
      if (followed.has(key)) seen.set(label, text);
    }
    out.set(row.seq, lines);
  }
  return out;
}

/** A stored state ("open.consent.victim.invited+open.consent.offender.willing") in words: where its regions meet. */
export function stateWords(state: string | null): string {
  if (!state) return 'new';
  const paths = state.split('+').map((p) => p.split('.'));
  const common: string[] = [];
  for (let i = 0; paths.every((p) => p[i] !== undefined && p[i] === paths[0]![i]); i++) common.push(paths[0]![i]!);
  return stateLabel(common.length ? common : paths[0]!).now;
}
