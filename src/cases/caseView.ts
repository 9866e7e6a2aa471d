import { consentOf } from '../../machines/case/consent.js';
import { allowedEvents, blockedEvents, caseStatus, type CaseSnapshot } from '../../machines/case/index.js';
import type { EventFacts } from '../../machines/case/events.js';
import type { Actor } from '../../machines/case/events.js';
import type { CaseRecord } from '../store/store.js';

/** A state value as one readable string: `open.consent.victim.invited+open.consent.offender.notContacted`. */
export function stateString(value: unknown, prefix = ''): string {
  if (typeof value === 'string') return prefix + value;
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => stateString(v, `${prefix}${k}.`))
    .join('+');
}

/** What the chart needs to know of a case beyond its snapshot. */
export const factsOf = (record: Pick<CaseRecord, 'openTaskIds'>): EventFacts => ({ openTaskIds: record.openTaskIds });

/**
 * The `{case}` the API returns to staff: the record, what the chart says of it,
 * what this caller may do next, and what the rules hold back now and why.
 */
export function caseView(record: CaseRecord, snapshot: CaseSnapshot, viewer: Actor, now: string) {
  const c = snapshot.context;
  const facts = factsOf(record);
  const { stage, paused, status } = caseStatus(snapshot);
  return {
    id: record.id,
    reference: record.reference,
    stage,
    state: snapshot.value,
    status,
    paused,
    version: record.version,
    machineVersion: record.machineVersion,
    facilitatorIds: c.facilitatorIds,
    closureReason: c.closureReason,
    agreement: c.agreement,
    allowedEvents: allowedEvents(snapshot, viewer, now, facts),
    blockedEvents: blockedEvents(snapshot, viewer, now, facts),
    referral: record.referral,
    risk: c.risk,
    process: c.process,
    conference: c.conference,
    supporters: c.supporters,
    prepared: c.prepared,
    victimPreferences: c.victim,
    withdrawn: { victim: c.victim.withdrawn, offender: c.offender.withdrawn },
    /** Each party's consent per purpose as the chart keeps it (v3 on; a purpose not listed withholds nothing). */
    consent: consentOf(c),
    pendingClosure: c.closure,
    pause: c.pause,
    openTaskIds: record.openTaskIds,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export type CaseView = ReturnType<typeof caseView>;
