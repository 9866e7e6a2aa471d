import type { Flags, Stage } from '../../machines/case/context.js';
import { addWorkingDays } from '../calendar/workingDays.js';
import type { HistoryEntry } from '../store/store.js';
import { clockDefinitions } from './victimsCodeClocks.js';

/**
 * What oversight and reports read of a case, kept with it in the same transaction
 * as every event: when it reached each step of the commissioners' funnel, how long
 * it spent in each stage, and its Victims' Code clocks. It is a fold over the case's
 * history, so a case's summary can always be rebuilt from its history alone.
 */
export interface CaseSummary {
  stage: Stage;
  stageSince: string;
  /** The victim was invited, or a party's answer was recorded. */
  contactedAt: string | null;
  /** Both parties consented: the case moved on to risk assessment. */
  consentedAt: string | null;
  /** A conference outcome, or a completed indirect exchange, was recorded. */
  meetingHeldAt: string | null;
  /** An outcome with at least one agreement item. */
  agreementMadeAt: string | null;
  /** Every agreement item issued was completed. */
  agreementCompletedAt: string | null;
  itemsIssued: number;
  itemsCompleted: number;
  closedAt: string | null;
  /** Each Victims' Code clock: when it is due, and when it was met. */
  clocks: Record<string, { dueBy: string; metAt: string | null }>;
  /** When the clocks stopped unmet: the referral declined, or the case closed. */
  clocksStoppedAt: string | null;
}

export type SummaryEntry = Pick<HistoryEntry, 'type' | 'at' | 'to' | 'data' | 'actor'>;

/** A stage left, and the time spent in it this time. */
export interface StageStay {
  stage: Stage;
  ms: number;
}

const stageOfState = (to: string): Stage | undefined => {
  if (to === 'referral' || to === 'closed') return to;
  const open = /^open\.(consent|riskAssessment|preparation|conference|followUp)\b/.exec(to);
  // Paused and closing keep the stage the case was in.
  return open ? (open[1] as Stage) : undefined;
};

export function startSummary(createdAt: string, flags: Flags): CaseSummary {
  return {
    stage: 'referral',
    stageSince: createdAt,
    contactedAt: null,
    consentedAt: null,
    meetingHeldAt: null,
    agreementMadeAt: null,
    agreementCompletedAt: null,
    itemsIssued: 0,
    itemsCompleted: 0,
    closedAt: null,
    clocks: Object.fromEntries(clockDefinitions.map((d) => [d.key, { dueBy: addWorkingDays(createdAt, d.workingDays(flags)), metAt: null }])),
    clocksStoppedAt: null,
  };
}

const contactTypes = new Set(['INVITE_VICTIM', 'VICTIM_RESPONDED', 'RECORD_OFFENDER_RESPONSE']);

/** The summary after one more history entry, and the stage it left, if it left one. */
export function summaryStep(s: CaseSummary, entry: SummaryEntry): { summary: CaseSummary; left?: StageStay } {
  const next: CaseSummary = { ...s, clocks: { ...s.clocks } };
  const first = (v: string | null) => v ?? entry.at;
  if (contactTypes.has(entry.type)) next.contactedAt = first(s.contactedAt);
  if (entry.type === 'RECORD_OUTCOME' || entry.type === 'COMPLETE_INDIRECT') next.meetingHeldAt = first(s.meetingHeldAt);
  if (entry.type === 'RECORD_OUTCOME') {
    const items = Array.isArray(entry.data.agreement) ? entry.data.agreement.length : 0;
    next.itemsIssued += items;
    if (items > 0) next.agreementMadeAt = first(s.agreementMadeAt);
  }
  if (entry.type === 'COMPLETE_AGREEMENT_ITEM') next.itemsCompleted += 1;
  // The funnel counts cases that ever reached a step: the first time every item issued was completed.
  if (next.itemsIssued > 0 && next.itemsCompleted === next.itemsIssued) next.agreementCompletedAt = first(s.agreementCompletedAt);
  for (const d of clockDefinitions) {
    if (!next.clocks[d.key]!.metAt && d.metBy(entry)) next.clocks[d.key] = { ...next.clocks[d.key]!, metAt: entry.at };
  }

  const stage = stageOfState(entry.to) ?? s.stage;
  if (stage === 'riskAssessment' && s.stage === 'consent') next.consentedAt = first(s.consentedAt);
  if (stage === 'closed') {
    next.closedAt = first(s.closedAt);
    next.clocksStoppedAt = first(s.clocksStoppedAt);
  }
  if (stage === s.stage) return { summary: next };
  next.stage = stage;
  next.stageSince = entry.at;
  return { summary: next, left: { stage: s.stage, ms: Date.parse(entry.at) - Date.parse(s.stageSince) } };
}

/** A case's summary rebuilt from its whole history: for a database made before summaries were kept. */
export function summarise(createdAt: string, flags: Flags, history: SummaryEntry[]): { summary: CaseSummary; stays: StageStay[] } {
  let summary = startSummary(createdAt, flags);
  const stays: StageStay[] = [];
  for (const entry of history) {
    if (entry.type === 'REFERRAL_RECEIVED') continue;
    const step = summaryStep(summary, entry);
    summary = step.summary;
    if (step.left) stays.push(step.left);
  }
  return { summary, stays };
}

/** The earliest Victims' Code deadline not yet met, while the case is open and its clocks run; null once none is left. */
export function clockDueAt(summary: CaseSummary | null): string | null {
  if (!summary || summary.clocksStoppedAt) return null;
  const unmet = Object.values(summary.clocks).filter((c) => !c.metAt).map((c) => c.dueBy).sort();
  return unmet[0] ?? null;
}
