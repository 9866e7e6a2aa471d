import type { BrokenEntry, HistoryRecord } from '../../../store/store.js';
import { toCsv } from '../../csv.js';
import { integrityWords, type AuditEntry } from './auditTrail.js';

/** The case history as exported: every entry, with each event's integrity, so a broken row is marked in the file too. */
export function historyCsv(entries: AuditEntry[]): string {
  return toCsv(
    ['kind', 'seq', 'at', 'who', 'entry', 'from_state', 'to_state', 'changes', 'delivery', 'attempts', 'integrity'],
    entries.map((e) => [
      e.kind,
      e.seq,
      e.at,
      e.who,
      e.what,
      e.from?.state ?? null,
      e.to?.state ?? null,
      e.changes.join('; '),
      e.delivery?.status ?? null,
      e.delivery?.attempts ?? null,
      e.integrity ? (e.integrity === 'intact' ? 'intact' : `broken: ${integrityWords[e.integrity].replace(/^Broken: /, '')}`) : null,
    ]),
  );
}

/** The same entries as JSON, each event with the data it recorded as stored. */
export function historyJson(c: { id: string; reference: string }, entries: AuditEntry[], history: HistoryRecord[], broken: BrokenEntry[], exported: { at: string; by: string }) {
  const data = new Map(history.map((h) => [h.seq, { type: h.type, actor: h.actor, data: h.data }]));
  return {
    case: { id: c.id, reference: c.reference },
    exportedAt: exported.at,
    exportedBy: exported.by,
    integrity: { entries: history.length, broken },
    entries: entries.map((e) => ({
      kind: e.kind,
      seq: e.seq,
      at: e.at,
      who: e.who,
      entry: e.what,
      ...(e.kind === 'events' && e.seq !== null ? { ...data.get(e.seq), from: e.from?.state ?? null, to: e.to?.state ?? null } : {}),
      changes: e.changes,
      ...(e.delivery ? { delivery: e.delivery } : {}),
      ...(e.integrity ? { integrity: e.integrity } : {}),
    })),
  };
}
