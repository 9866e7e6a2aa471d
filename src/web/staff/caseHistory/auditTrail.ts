import type { CaseAuditData } from '../../../audit/caseAudit.js';
import type { BrokenEntry, CaseViewRecord } from '../../../store/store.js';
import { actorName, entryLabel, erasedWords, noticeLabel } from '../caseWords.js';
import { entryChanges, stateWords } from './entryChanges.js';

/**
 * A case's audited history as one list of entries, newest first: every event (its
 * actor, time, states and readable changes, and whether it passes its own check),
 * every notice with its delivery, and every time the case was read or exported.
 * The page and both exports are made from it, so they always agree.
 */

export const entryKinds = ['events', 'notices', 'views'] as const;
export type EntryKind = (typeof entryKinds)[number];

export type AuditData = CaseAuditData;

export type Integrity = 'intact' | BrokenEntry['problem'];

export interface AuditEntry {
  kind: EntryKind;
  /** Its anchor on the page: `entry-<seq>` for an event. */
  anchor: string;
  at: string;
  seq: number | null;
  who: string;
  what: string;
  from: { state: string | null; words: string } | null;
  to: { state: string; words: string } | null;
  changes: string[];
  integrity: Integrity | null;
  delivery: { status: string; attempts: number; lastError: string | null; sentAt: string | null } | null;
}

export const integrityWords: Record<Integrity, string> = {
  intact: 'Intact',
  altered: 'Broken: this entry has been changed since it was recorded',
  unlinked: 'Broken: the entry before it in the chain is missing or was replaced',
};

const viewWords: Record<CaseViewRecord['kind'], string> = {
  case: 'Opened the case page',
  history: 'Opened the audited history',
  export: 'Exported the case history',
};

/** The entries of the kinds asked for, newest first; at the same moment the later event first, its notices above it. */
export function auditTrail(data: AuditData, kinds: readonly EntryKind[] = entryKinds): AuditEntry[] {
  const changes = entryChanges(data.history, data.names);
  const broken = new Map(data.broken.map((b) => [b.seq, b.problem]));
  const staff = (id: string) => `${data.names.get(id) ?? 'a former member of staff'}`;
  const entries: (AuditEntry & { order: number })[] = [
    ...(kinds.includes('events')
      ? data.history.map((h) => ({
          kind: 'events' as const,
          anchor: `entry-${h.seq}`,
          at: h.at,
          seq: h.seq,
          who: actorName(h.actor, data.names),
          what: entryLabel(h.type, h.data),
          from: { state: h.from, words: stateWords(h.from) },
          to: { state: h.to, words: stateWords(h.to) },
          changes: [...(changes.get(h.seq) ?? []), ...(h.erased ? [erasedWords(h.erased)] : [])],
          integrity: broken.get(h.seq) ?? ('intact' as const),
          delivery: null,
          order: 0,
        }))
      : []),
    ...(kinds.includes('notices')
      ? data.notices.map((n) => ({
          kind: 'notices' as const,
          anchor: `notice-${n.id}`,
          at: n.createdAt,
          seq: n.seq,
          who: 'the service',
          what: noticeLabel(n),
          from: null,
          to: null,
          changes: [],
          integrity: null,
          delivery: { status: n.status, attempts: n.attempts, lastError: n.lastError, sentAt: n.sentAt },
          order: 1,
        }))
      : []),
    ...(kinds.includes('views')
      ? data.views.map((v, i) => ({
          kind: 'views' as const,
          anchor: `view-${data.views.length - i}`,
          at: v.at,
          seq: null,
          who: staff(v.userId),
          what: viewWords[v.kind],
          from: null,
          to: null,
          changes: [],
          integrity: null,
          delivery: null,
          order: 2 + (data.views.length - i) / (data.views.length + 1),
        }))
      : []),
  ];
  return entries
    .sort((a, b) => b.at.localeCompare(a.at) || (b.seq ?? 0) - (a.seq ?? 0) || b.order - a.order)
    .map(({ order: _order, ...entry }) => entry);
}
