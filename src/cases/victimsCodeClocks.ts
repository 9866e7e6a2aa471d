import type { Flags } from '../../machines/case/context.js';
import type { HistoryEntry } from '../store/store.js';
import { addWorkingDays } from '../calendar/workingDays.js';

/** What the clocks read from a case: its referral time, flags and history in order. */
export interface ClockCase {
  createdAt: string;
  flags: Flags;
  events: Pick<HistoryEntry, 'type' | 'at' | 'actor' | 'data'>[];
  closedAt?: string | null;
}

export interface VictimsCodeClock {
  key: string;
  label: string;
  startedAt: string;
  workingDays: number;
  dueBy: string;
  metAt: string | null;
  status: 'met' | 'met_late' | 'running' | 'overdue' | 'stopped';
}

type ClockEvent = ClockCase['events'][number];

export interface ClockDefinition {
  key: string;
  label: string;
  workingDays: (flags: Flags) => number;
  metBy: (event: ClockEvent) => boolean;
}

/** The history entries the clocks read: enough to load for a whole caseload page at once. */
export const clockEventTypes = ['INVITE_VICTIM', 'VICTIM_RESPONDED', 'WITHDRAW', 'DECLINE_REFERRAL'] as const;

/** Victims' Code 2020 entitles these victims to enhanced rights. */
const enhancedRightsFlags = ['vulnerableVictim', 'domesticAbuse', 'sexualOffence', 'stalking', 'hateCrime'] as const;
const hasEnhancedRights = (flags: Flags) => enhancedRightsFlags.some((f) => flags[f] === true);

/** Every clock starts when the referral is received (the case's createdAt). */
export const clockDefinitions: readonly ClockDefinition[] = [
  {
    key: 'victimContacted',
    label: 'Victim contacted within 2 working days of referral',
    workingDays: () => 2,
    metBy: (e) => e.type === 'INVITE_VICTIM' || e.type === 'VICTIM_RESPONDED' || (e.type === 'WITHDRAW' && e.data.party === 'victim'),
  },
  {
    key: 'rjInformationOffered',
    label: 'Information about restorative justice given within 5 working days (1 working day for victims with enhanced rights)',
    workingDays: (flags) => (hasEnhancedRights(flags) ? 1 : 5),
    metBy: (e) => e.type === 'INVITE_VICTIM' || e.type === 'VICTIM_RESPONDED',
  },
];

const isAfter = (a: string, b: string) => Date.parse(a) > Date.parse(b);

export function statusOf(metAt: string | null, dueBy: string, stoppedAt: string | null, now: string): VictimsCodeClock['status'] {
  if (metAt) return isAfter(metAt, dueBy) ? 'met_late' : 'met';
  // A declined or closed case is no longer anyone's work: its unmet clocks stop rather than go overdue.
  if (stoppedAt) return 'stopped';
  return isAfter(now, dueBy) ? 'overdue' : 'running';
}

/** The Victims' Code deadlines of a case as they stand at `now`. */
export function victimsCodeClocks(input: ClockCase, now: string): VictimsCodeClock[] {
  const stoppedAt = input.events.find((e) => e.type === 'DECLINE_REFERRAL')?.at ?? input.closedAt ?? null;
  return clockDefinitions.map((definition) => {
    const workingDays = definition.workingDays(input.flags);
    const dueBy = addWorkingDays(input.createdAt, workingDays);
    const metAt = input.events.find(definition.metBy)?.at ?? null;
    return {
      key: definition.key,
      label: definition.label,
      startedAt: input.createdAt,
      workingDays,
      dueBy,
      metAt,
      status: statusOf(metAt, dueBy, stoppedAt, now),
    };
  });
}
